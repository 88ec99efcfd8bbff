/*
 * ttyfilter.c: a seccomp filter that keeps every command nsj runs, and all it
 * starts, from typing into the operator's terminal.
 *
 * The command gets the operator's terminal as it is (job control, no relay;
 * docs/security.md says why). A process that holds a terminal may push bytes
 * into its input queue with ioctl(TIOCSTI), as if typed; once nsj exits, the
 * operator's shell reads them as a command line. On kernels with
 * dev.tty.legacy_tiocsti = 1 (most), any process with the terminal as its
 * controlling terminal, or with CAP_SYS_ADMIN, may do so, so a container's
 * binary run by the command (--fs container, $NSJ_ROOT), or a command that a
 * container process traces, would type into the host's shell. TIOCLINUX
 * (paste the selection on a virtual console) is the same kind of attack.
 *
 * Like bubblewrap since CVE-2017-5226, the child installs a filter that
 * makes both ioctls fail with EPERM; everything else is allowed. Filters are
 * inherited over fork and execve and cannot be removed; a tracer's injected
 * system calls pass through them too. no_new_privs is not set, so setuid
 * and file-capability binaries keep working; installing a filter without it
 * needs CAP_SYS_ADMIN, which the child has until it joins a user namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "internal.h"

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

/*
 * The architectures a process of this build may call the kernel with, and
 * the number of ioctl in each. x86_64 kernels also take i386 system calls
 * (int 0x80), and x32 ones under AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT
 * set (x32's ioctl is its own number, 514); arm64 kernels take 32-bit arm.
 */
#if defined(__x86_64__)
#define X32_BIT 0x40000000U
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define NATIVE_IOCTL 16U
#define X32_IOCTL (X32_BIT | 514U)
#define X32_IOCTL_64 (X32_BIT | 16U)
#define COMPAT_ARCH AUDIT_ARCH_I386
#define COMPAT_IOCTL 54U
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define NATIVE_IOCTL 29U
#define COMPAT_ARCH AUDIT_ARCH_ARM
#define COMPAT_IOCTL 54U
#else
#error "nsjoin/ttyfilter.c: add this architecture's AUDIT_ARCH and ioctl numbers"
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nsjoin/ttyfilter.c: CMD below assumes a little-endian machine"
#endif

#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, jt, jf) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

#define ARCH offsetof(struct seccomp_data, arch)
#define NR offsetof(struct seccomp_data, nr)
/* The low 32 bits of args[1] (little-endian): the kernel's ioctl takes an unsigned int. */
#define CMD (offsetof(struct seccomp_data, args) + sizeof(__u64))

/*
 * The program. Jump offsets count the statements to skip after the jump;
 * the comments number the statements (x = X32_EXTRA: on x86_64, two more for x32)
 * and "-> N" is where a jump lands.
 */
#ifdef X32_BIT
#define X32_EXTRA 2
#else
#define X32_EXTRA 0
#endif
static struct sock_filter tty_filter[] = {
	/*  0   */ LOAD(ARCH),
	/*  1   */ JEQ(COMPAT_ARCH, 0, 3),		/* not compat -> 5 */
	/*  2   */ LOAD(NR),
	/*  3   */ JEQ(COMPAT_IOCTL, 5 + X32_EXTRA, 0),	/* -> 9+x */
	/*  4   */ RET(SECCOMP_RET_ALLOW),
	/*  5   */ JEQ(NATIVE_ARCH, 0, 2 + X32_EXTRA),	/* an arch this build does not know -> 8+x */
	/*  6   */ LOAD(NR),
	/*  7   */ JEQ(NATIVE_IOCTL, 1 + X32_EXTRA, 0),	/* -> 9+x */
#ifdef X32_BIT
	/*  8   */ JEQ(X32_IOCTL, 2, 0),		/* -> 11 */
	/*  9   */ JEQ(X32_IOCTL_64, 1, 0),		/* -> 11 */
#endif
	/*  8+x */ RET(SECCOMP_RET_ALLOW),
	/*  9+x: an ioctl; which request? */
	/*  9+x */ LOAD(CMD),
	/* 10+x */ JEQ(TIOCSTI, 2, 0),			/* -> 13+x */
	/* 11+x */ JEQ(TIOCLINUX, 1, 0),		/* -> 13+x */
	/* 12+x */ RET(SECCOMP_RET_ALLOW),
	/* 13+x */ RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
};

/*
 * nsj_tty_filter installs the filter in the calling process (the child,
 * before it gives up the host's capabilities): 0, or -1 with errno.
 */
int nsj_tty_filter(void)
{
	struct sock_fprog prog = {
		.len = N_ELEMENTS(tty_filter),
		.filter = tty_filter,
	};

	/*
	 * SPEC_ALLOW (4.17): kernels before 5.16 otherwise turn on the
	 * speculative store bypass mitigation for a process with a filter,
	 * which slows the command; this filter guards the terminal, it does
	 * not sandbox the command. Older kernels refuse the flag (EINVAL).
	 */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0)
		return 0;
	if (errno == EINVAL && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	/* seccomp(2) exists since 3.17; the prctl, with the same effect, since 3.5. */
	if (errno != ENOSYS)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/*
 * For tests (ttyfilter_test.go): forks a child that sets no_new_privs (so
 * that the test needs no root), installs the filter and makes the calls of
 * probes[], writing the errno of each (0: success) to a pipe. The i386 call
 * comes last: on a kernel without 32-bit emulation it kills the child.
 * Returns how many results arrived, or -1 with errno.
 */
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static long probe_call(int i)
{
	switch (i) {
	case 0:
		return syscall(SYS_ioctl, -1, TIOCSTI, 0);
	case 1:
		return syscall(SYS_ioctl, -1, TIOCLINUX, 0);
	case 2: /* the kernel sees the low 32 bits only */
		return syscall(SYS_ioctl, -1, 0x100000000UL | TIOCSTI, 0);
	case 3:
		return syscall(SYS_ioctl, -1, TCGETS, 0);
	case 4:
		return syscall(SYS_getpid);
#ifdef X32_BIT
	case 5:
		return syscall(X32_IOCTL, -1, TIOCSTI, 0);
	case 6:
		return syscall(X32_IOCTL_64, -1, TIOCSTI, 0);
	case 7: {
		long r;

		/* ioctl(-1, TIOCSTI, 0) through int 0x80: the i386 convention. */
		__asm__ volatile("int $0x80"
				 : "=a"(r)
				 : "0"(COMPAT_IOCTL), "b"(-1), "c"(TIOCSTI), "d"(0)
				 : "memory");
		if (r < 0 && r > -4096) {
			errno = -r;
			return -1;
		}
		return r;
	}
#endif
	}
	errno = EINVAL;
	return -1;
}

int nsj_tty_filter_probe(int *errs, int n)
{
	int p[2], status, got = 0;
	pid_t pid;
	ssize_t r;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int i, e;

		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || nsj_tty_filter() < 0) {
			e = -errno;
			(void)!write(p[1], &e, sizeof(e));
			_exit(1);
		}
		for (i = 0; i < n; i++) {
			e = probe_call(i) < 0 ? errno : 0;
			(void)!write(p[1], &e, sizeof(e));
		}
		_exit(0);
	}
	close(p[1]);
	while (got < n && (r = read(p[0], &errs[got], sizeof(int))) == sizeof(int))
		got++;
	close(p[0]);
	waitpid(pid, &status, 0);
	return got;
}
