/*
 * syscallprobe: what a seccomp filter lets through, on each x86 ABI.
 *
 * Makes every system call number from 0 to 559 through the x86_64 ABI
 * (syscall), the i386 one (int $0x80) and the x32 one (syscall with
 * __X32_SYSCALL_BIT), each in a forked child so that a call the filter kills
 * ends only that child, with harmless arguments (all -1: a bad fd, a bad
 * pointer, an invalid flag, so that the kernel refuses what the filter lets
 * through; none blocks), then a few calls whose rules compare arguments, with the values
 * they compare. One line per call: "ABI NR ARGS RESULT", RESULT being "ok"
 * (any return >= 0), "errno=N" or "signal=N" (the child was killed).
 * Calls that would end or stop the child whatever the filter says (exit,
 * fork, pause, sigreturn...) are left out. A kernel without the i386 ABI
 * (no IA32 emulation: int $0x80 faults, SIGSEGV) gets one line,
 * "i386 unavailable", instead of the i386 calls.
 *
 * syscallprobe            writes to stdout
 * syscallprobe FILE       writes FILE, then FILE.done, then waits (a
 *                         container's init, killed by its test)
 *
 * Built statically by the tests (gcc -static), for x86_64 only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define X32_BIT 0x40000000L
#define MAX_NR 560

enum abi { X86_64, I386, X32 };
static const char *abi_names[] = { "x86_64", "i386", "x32" };

/* The x86_64 ABI; x32 is the same entry with the x32 bit in the number. */
static long call64(long nr, const long *a)
{
	long ret;
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory", "cc");
	return ret;
}

/* The i386 ABI from a 64-bit process: int $0x80, arguments in ebx, ecx,
 * edx, esi, edi, ebp (built with a frame pointer, so rbp is saved by hand). */
static long call32(long nr, const long *a)
{
	long ret;
	unsigned int a5 = (unsigned int)a[5];

	__asm__ volatile("push %%rbp\n\tmov %[a5], %%ebp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(ret)
			 : "a"(nr), "b"((unsigned int)a[0]), "c"((unsigned int)a[1]), "d"((unsigned int)a[2]),
			   "S"((unsigned int)a[3]), "D"((unsigned int)a[4]), [a5] "m"(a5)
			 : "r8", "r9", "r10", "r11", "memory", "cc");
	return (int)ret;
}

/* Numbers that end, fork or stop the caller whatever the filter says. */
static int skipped(enum abi abi, long nr)
{
	static const long x86_64[] = { 15, 34, 56, 57, 58, 60, 231, 513, -1 };
	static const long i386[] = { 1, 2, 29, 72, 119, 120, 173, 190, 252, -1 };
	const long *list = abi == I386 ? i386 : x86_64;
	int i;

	for (i = 0; list[i] >= 0; i++)
		if (list[i] == nr)
			return 1;
	return 0;
}

/*
 * Arguments for the calls whose -1 answer depends on what ran before:
 * kill(-1, -1) counts the processes it may signal (ESRCH when there are
 * none), msgget(-1, -1) creates a queue (EEXIST the next time).
 */
static const long *stateless(enum abi abi, long nr)
{
	static const long kill_args[6] = { 0x7fffffff, -1, -1, -1, -1, -1 }; /* no such pid */
	static const long msgget_args[6] = { -1, 0, -1, -1, -1, -1 };        /* no IPC_CREAT */

	if (nr == (abi == I386 ? 37 : 62))
		return kill_args;
	if (nr == (abi == I386 ? 399 : 68))
		return msgget_args;
	return NULL;
}

static volatile long *result; /* shared with the children */

/* The next call, read by the vfork child (statics: vfork keeps no locals safe). */
static struct {
	enum abi abi;
	long nr;
	const long *args;
} next;

/* The call, in a vfork child (cheaper than fork: it only calls and exits). */
static pid_t spawn(void)
{
	pid_t pid = vfork();

	if (pid == 0) {
		if (next.abi == I386)
			*result = call32(next.nr, next.args);
		else
			*result = call64(next.abi == X32 ? next.nr | X32_BIT : next.nr, next.args);
		_exit(0);
	}
	return pid;
}

/* One call in a child; prints its line. */
static void probe(FILE *out, enum abi abi, long nr, const long *args, const char *tag)
{
	pid_t pid;
	int status;

	*result = 0;
	next.abi = abi, next.nr = nr, next.args = args;
	pid = spawn();
	if (pid < 0) {
		perror("syscallprobe: vfork");
		exit(2);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("syscallprobe: waitpid");
		exit(2);
	}
	fprintf(out, "%s %ld %s ", abi_names[abi], nr, tag);
	if (WIFSIGNALED(status))
		fprintf(out, "signal=%d\n", WTERMSIG(status));
	else if (*result < 0 && *result > -4096)
		fprintf(out, "errno=%ld\n", -*result);
	else
		fprintf(out, "ok\n");
}

/* An i386 socketcall's arguments live in memory below 4 GiB (a static,
 * non-PIE binary's data). */
static unsigned int sockargs[3];

/* 1 if int $0x80 reaches the kernel: getpid in a child is not a fault. */
static int i386_available(void)
{
	long a[6] = { 0 };
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(call32(20, a) > 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("syscallprobe: probing int $0x80");
		exit(2);
	}
	return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static void probe_arguments(FILE *out, int i386)
{
	static const long personas[] = { 0, 8, 0x20000, 0x20008, 0xffffffff, 1 };
	long a[6] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(personas) / sizeof(personas[0]); i++) {
		char tag[32];

		a[0] = personas[i];
		snprintf(tag, sizeof(tag), "%#lx", personas[i]);
		probe(out, X86_64, 135, a, tag);
		if (i386)
			probe(out, I386, 136, a, tag);
	}
	/* socket(AF_INET, SOCK_STREAM, 0) and socket(AF_VSOCK, ...): direct, and through i386's socketcall. */
	for (i = 0; i < 2; i++) {
		const char *tag = i ? "vsock" : "inet";

		a[0] = i ? 40 : 2, a[1] = 1, a[2] = 0;
		probe(out, X86_64, 41, a, tag);
		if (!i386)
			continue;
		probe(out, I386, 359, a, tag);
		sockargs[0] = a[0], sockargs[1] = 1, sockargs[2] = 0;
		a[0] = 1, a[1] = (long)(unsigned long)sockargs;
		probe(out, I386, 102, a, tag);
	}
	/* unshare(CLONE_NEWNS). */
	memset(a, 0, sizeof(a));
	a[0] = 0x20000;
	probe(out, X86_64, 272, a, "newns");
	if (i386)
		probe(out, I386, 310, a, "newns");
}

int main(int argc, char **argv)
{
	static const long bad[6] = { -1, -1, -1, -1, -1, -1 };
	struct rlimit nocore = { 0, 0 };
	FILE *out = stdout;
	int abi, i386;
	long nr;

	if (argc > 1 && (out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	setsid(); /* a session leader either way: setsid's own result does not depend on how it started */
	setrlimit(RLIMIT_CORE, &nocore); /* killed children dump nothing */
	result = mmap(NULL, sizeof(*result), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED) {
		perror("syscallprobe: mmap");
		return 2;
	}
	i386 = i386_available();
	if (!i386)
		fprintf(out, "i386 unavailable\n");
	for (abi = X86_64; abi <= X32; abi++)
		for (nr = 0; nr < MAX_NR; nr++)
			if ((abi != I386 || i386) && !skipped(abi, nr))
				probe(out, abi, nr, stateless(abi, nr) ? stateless(abi, nr) : bad, "-1");
	probe_arguments(out, i386);
	if (fclose(out) != 0) {
		perror("syscallprobe: writing the results");
		return 2;
	}
	if (argc > 1) {
		char done[4096];

		snprintf(done, sizeof(done), "%s.done", argv[1]);
		if (close(open(done, O_WRONLY | O_CREAT, 0644)) < 0) {
			perror(done);
			return 2;
		}
		for (;;)
			pause();
	}
	return 0;
}
