/*
 * decoy: takes over a given PID, to play the process that reuses a dead
 * container task's PID in nsj's race test (integration/race_test.go).
 *
 *     decoy PID [newns]
 *
 * forks a child that gets exactly PID (clone3 with set_tid, Linux 5.5; needs
 * CAP_SYS_ADMIN), with "newns" in new network, uts and ipc namespaces of its
 * own, and prints "ok", or "fail: REASON" and exits 1. When its stdin reaches
 * end of file, it kills the child, reaps it and exits; if decoy dies, the
 * child dies with it (PR_SET_PDEATHSIG).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct clone_args args;
	pid_t want, child;
	char buf[64];

	if (argc < 2 || (want = atoi(argv[1])) <= 1) {
		fprintf(stderr, "usage: decoy PID [newns]\n");
		return 2;
	}
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	if (argc > 2 && strcmp(argv[2], "newns") == 0)
		args.flags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;
	child = syscall(SYS_clone3, &args, sizeof(args));
	if (child < 0) {
		printf("fail: clone3 with PID %d: %s\n", want, strerror(errno));
		return 1;
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		for (;;)
			pause();
	}
	printf("ok\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
