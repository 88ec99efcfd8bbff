/*
 * relay.c: under --fs container without --privileged, a pseudo-terminal of
 * the command's own, relayed by the waiting parent, as `runc exec -t`,
 * `lxc-attach` and `kubectl exec -t` do.
 *
 * The confined command has the container's privileges (confine.c): the
 * container's root may open its /proc/PID/fd/0. Were that the operator's
 * terminal, the container would keep it after nsj exits and read what the
 * operator types into the host's shell. So whenever fd 0, 1 or 2 is a
 * terminal:
 *
 *   in the constructor, before any namespace is joined (nsj_relay_open):
 *     1. a new pair from the host's /dev/ptmx; the slave through
 *        TIOCGPTPEER (Linux 4.13), else by its name in the host's devpts;
 *     2. the operator terminal's modes and window size copied to the slave;
 *
 *   in the child (nsj_relay_child):
 *     3. a session of its own, with the slave as its controlling terminal
 *        and itself in its foreground; the slave replaces those of fds 0-2
 *        that were terminals (redirected ones stay); the pair's fds go;
 *
 *   in the parent, once the command runs (nsj_relay_wait):
 *     4. the operator's terminal in raw mode, if nsj is in its foreground
 *        and reads it (stdin is that terminal);
 *     5. poll(): the operator's keys to the master, the master's output to
 *        the terminal, SIGWINCH as TIOCSWINSZ on the master, the signals of
 *        parent.c forwarded, SIGCHLD reaped;
 *     6. once the command has exited, what it wrote is drained, the master
 *        closed, the terminal's modes restored: a container process that
 *        opened the slave holds a hung-up terminal, never the operator's.
 *
 * The parent keeps only the master, nothing of the container's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/*
 * After the command exits: how long a silence ends the drain, and how long
 * it may last at most, so that a container process that holds the slave and
 * keeps writing cannot keep nsj (and the terminal in raw mode) (ms).
 */
#define DRAIN_MS 200
#define DRAIN_MAX_MS 1000

static struct {
	int master, slave; /* -1: no relay */
	int ttyfd;         /* the operator's terminal: its modes and size */
	int outfd;         /* where the master's output goes */
	int fg;            /* nsj is in the terminal's foreground */
	int is_tty[3];     /* which of fds 0-2 the slave replaces */
	int raw;           /* saved holds the modes to restore */
	struct termios saved;
} relay = { .master = -1, .slave = -1 };

int nsj_relay_active(void)
{
	return relay.master >= 0;
}

/* Step 1: the slave of master, opened in the host's devpts. */
static int open_slave(int master)
{
	char name[64];
	int fd;

	if (unlockpt(master) < 0) /* a locked slave refuses to open (EIO) */
		return -1;
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 || (errno != EINVAL && errno != ENOTTY))
		return fd;
	/* Before 4.13: by name, still in nsj's own mount namespace. */
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return -1;
	return open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* Steps 1 and 2: 0 when no relay is needed or it is ready; -1 with the error set. */
int nsj_relay_open(const struct nsj_request *req)
{
	struct termios tio;
	struct winsize ws;
	int fd, any = 0;

	if (!(req->flags & NSJ_FLAG_CONTAINER_FS) || (req->flags & NSJ_FLAG_HOST_PRIVILEGES))
		return 0;
	relay.ttyfd = -1;
	for (fd = 0; fd < 3; fd++) {
		relay.is_tty[fd] = isatty(fd);
		if (relay.is_tty[fd] && relay.ttyfd < 0)
			relay.ttyfd = fd;
		any |= relay.is_tty[fd];
	}
	if (!any)
		return 0; /* pipes and files: nothing of the operator's to reach */
	/* Output to stdout's terminal, else stderr's, else stdin's (the echo). */
	relay.outfd = relay.is_tty[1] ? 1 : relay.is_tty[2] ? 2 : 0;
	relay.fg = tcgetpgrp(relay.ttyfd) == getpgrp();

	relay.master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (relay.master < 0)
		return nsj_set_error(NSJ_EXIT_FAILURE, "opening /dev/ptmx for the command's pseudo-terminal: %s", strerror(errno));
	relay.slave = open_slave(relay.master);
	if (relay.slave < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "opening the command's pseudo-terminal: %s", strerror(errno));
		nsj_relay_close();
		return -1;
	}
	/* Step 2: the modes and size the operator's terminal has now. */
	if (tcgetattr(relay.ttyfd, &tio) < 0 || tcsetattr(relay.slave, TCSANOW, &tio) < 0 ||
	    ioctl(relay.ttyfd, TIOCGWINSZ, &ws) < 0 || ioctl(relay.slave, TIOCSWINSZ, &ws) < 0) {
		nsj_set_error(NSJ_EXIT_FAILURE, "copying the terminal's modes to the command's pseudo-terminal: %s", strerror(errno));
		nsj_relay_close();
		return -1;
	}
	nsj_debugf("the command gets a pseudo-terminal of its own; nsj relays it%s",
		   relay.fg ? "" : " (in the background: output only, no input)");
	return 0;
}

/* A failure before the command runs: the pair goes. */
void nsj_relay_close(void)
{
	if (relay.slave >= 0)
		close(relay.slave);
	if (relay.master >= 0)
		close(relay.master);
	relay.slave = relay.master = -1;
}

/* Step 3, in the child: -1 with errno. */
int nsj_relay_child(void)
{
	int fd;

	if (relay.master < 0)
		return 0;
	if (setsid() < 0 || ioctl(relay.slave, TIOCSCTTY, 0) < 0 || tcsetpgrp(relay.slave, getpid()) < 0)
		return -1;
	for (fd = 0; fd < 3; fd++)
		if (relay.is_tty[fd] && dup2(relay.slave, fd) < 0)
			return -1;
	if (close(relay.slave) < 0 || close(relay.master) < 0)
		return -1;
	return 0;
}

/*
 * Step 4: the operator's keys go to the command unprocessed (^C as 0x03).
 * Only when nsj reads them: with stdin redirected, the terminal stays as it
 * is, and its ^C signals nsj, which forwards it.
 */
static void raw_mode(void)
{
	struct termios tio;

	if (!relay.fg || !relay.is_tty[0] || tcgetattr(relay.ttyfd, &relay.saved) < 0)
		return;
	tio = relay.saved;
	cfmakeraw(&tio);
	if (tcsetattr(relay.ttyfd, TCSANOW, &tio) < 0)
		return;
	relay.raw = 1;
}

static void restore_mode(void)
{
	if (relay.raw && tcsetattr(relay.ttyfd, TCSANOW, &relay.saved) < 0)
		nsj_debugf("restoring the terminal's modes: %s", strerror(errno));
	relay.raw = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = TEMP_FAILURE_RETRY(write(fd, p, n));

		if (w < 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* Input waiting for room in the master (it is non-blocking: output must keep flowing). */
struct pending {
	char buf[4096];
	size_t off, len;
	int eof; /* stdin is done: the command is sent VEOF once this is written */
};

/* The operator's side closed, or nsj is in the background: the command reads end-of-file. */
static void input_done(struct pending *in)
{
	struct termios tio;

	in->eof = 1;
	if (in->len == 0 && tcgetattr(relay.master, &tio) == 0) {
		in->off = 0;
		in->buf[0] = tio.c_cc[VEOF];
		in->len = 1;
	}
}

/* Step 5: stdin to the master. */
static void pump_input(struct pending *in)
{
	ssize_t n;

	if (in->len == 0) {
		in->off = 0;
		n = TEMP_FAILURE_RETRY(read(STDIN_FILENO, in->buf, sizeof(in->buf) - 1));
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			input_done(in);
			return;
		}
		in->len = n;
	}
	n = TEMP_FAILURE_RETRY(write(relay.master, in->buf + in->off, in->len));
	if (n < 0 && errno != EAGAIN) {
		in->len = 0; /* the command's side is gone */
		in->eof = 1;
		return;
	}
	if (n > 0) {
		in->off += n;
		in->len -= n;
	}
}

/* Step 5: the master to the terminal. 0: more may come; -1: the slave is closed (EIO) or drained. */
static int pump_output(void)
{
	char buf[16384];
	ssize_t n = TEMP_FAILURE_RETRY(read(relay.master, buf, sizeof(buf)));

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1; /* EIO: every slave closed */
	if (write_all(relay.outfd, buf, n) < 0)
		nsj_debugf("writing the command's output to the terminal: %s", strerror(errno));
	return 0;
}

/* Step 5: SIGWINCH on nsj: the terminal's new size to the command's. */
static void resize(void)
{
	struct winsize ws;

	if (ioctl(relay.ttyfd, TIOCGWINSZ, &ws) < 0 || ioctl(relay.master, TIOCSWINSZ, &ws) < 0)
		nsj_debugf("passing on the window size: %s", strerror(errno));
}

static int exit_status(int ws)
{
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

/* One signal: 1 once the child has exited (*status set). */
static int on_signal(int sig, pid_t child, int *status)
{
	int ws;
	pid_t r;

	if (sig == SIGWINCH) {
		resize();
		return 0;
	}
	if (sig != SIGCHLD) {
		kill(child, sig); /* the forwarded signals of parent.c */
		return 0;
	}
	r = TEMP_FAILURE_RETRY(waitpid(child, &ws, WNOHANG));
	if (r != child)
		return 0;
	*status = exit_status(ws);
	return 1;
}

static long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * Step 6: output still in the pty, until EIO (no slave left open), DRAIN_MS
 * of silence (a leftover holds the slave) or DRAIN_MAX_MS in all.
 */
static void drain(void)
{
	struct pollfd p = { .fd = relay.master, .events = POLLIN };
	long end = now_ms() + DRAIN_MAX_MS;
	int n;

	while (now_ms() < end) {
		n = TEMP_FAILURE_RETRY(poll(&p, 1, DRAIN_MS));
		if (n <= 0 || pump_output() < 0)
			return;
	}
}

/* Step 5: what poll() waits for; 1 when stdin is among them (p[2]). */
static int poll_set(struct pollfd *p, int sfd, int out_open, const struct pending *in)
{
	p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	/* Once every slave is closed the master always polls POLLHUP: leave it out. */
	p[1] = (struct pollfd){ .fd = out_open ? relay.master : -1,
				.events = POLLIN | (in->len ? POLLOUT : 0) };
	/* The next key is read only once the last ones are written. */
	p[2] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	return !in->eof && in->len == 0;
}

/* Steps 4 to 6, in the parent: returns the command's exit status (128+N for signal N). */
int nsj_relay_wait(pid_t child, const sigset_t *waitset)
{
	struct pending in = { .off = 0 };
	struct pollfd p[3];
	sigset_t set = *waitset;
	int sfd, ws = NSJ_EXIT_FAILURE << 8, status = NSJ_EXIT_FAILURE, done = 0, out_open = 1;

	close(relay.slave); /* only the child's copies keep it open */
	relay.slave = -1;
	sigaddset(&set, SIGWINCH); /* blocked since before the fork (parent.c) */
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || fcntl(relay.master, F_SETFL, O_NONBLOCK) < 0) {
		/* Cannot relay: the command still runs; wait for it, its terminal silent. */
		nsj_debugf("relaying the terminal: %s", strerror(errno));
		(void)TEMP_FAILURE_RETRY(waitpid(child, &ws, 0));
		nsj_relay_close();
		return exit_status(ws);
	}
	raw_mode();
	if (!relay.is_tty[0])
		in.eof = 1; /* stdin is a file or pipe: the command reads it itself */
	else if (!relay.fg)
		input_done(&in); /* reading from the background would stop nsj */
	while (!done) {
		int n, nfds = 2 + poll_set(p, sfd, out_open, &in);

		n = TEMP_FAILURE_RETRY(poll(p, nfds, -1));
		if (n < 0) {
			nsj_debugf("relaying the terminal: poll: %s", strerror(errno));
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				done = on_signal(si.ssi_signo, child, &status);
		}
		if (out_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && pump_output() < 0) {
			out_open = 0; /* the command closed its terminal: no more input either */
			in.len = 0;
			in.eof = 1;
		}
		if ((out_open && in.len && (p[1].revents & POLLOUT)) || (nfds == 3 && p[2].revents))
			pump_input(&in);
	}
	if (!done) {
		(void)TEMP_FAILURE_RETRY(waitpid(child, &ws, 0));
		status = exit_status(ws);
	}
	if (out_open)
		drain();
	close(sfd);
	nsj_relay_close(); /* the slave a container process may hold is hung up */
	restore_mode();
	return status;
}
