// SPDX-License-Identifier: GPL-2.0
/*
 * init for the iobroker test guest: PID 1, statically linked.
 *
 * It mounts the pseudo filesystems, then carries out /etc/iobroker/plan one
 * line at a time and powers the guest off. Everything a step prints goes to
 * the result channel, the second hypervisor console (/dev/hvc1), framed by
 * marker lines the host parses; the kernel keeps the first console to
 * itself, so its messages never interleave with results.
 *
 * Plan steps (fields separated by single spaces):
 *   insmod FILE [PARAMS]     load a module (finit_module)
 *   rmmod NAME               unload a module
 *   kunit SUITE              report a KUnit suite's results from debugfs
 *   tap NAME SECS PROG [ARG] run a TAP-producing test program
 *   text NAME SECS PROG [ARG] run a program whose output is for people
 *   sh NAME SECS COMMAND...  run COMMAND with /bin/sh -c (text output)
 *   kmemleak-clear           forget leaks that exist before the tests
 *   kmemleak                 scan and report leaks found since
 *   write FILE VALUE         write VALUE to FILE (sysctl, debugfs knobs)
 *
 * Markers: "@@iob:begin KIND NAME", "@@iob:end NAME STATUS", where STATUS
 * is "exit=N", "signal=N" or "timeout", "@@iob:error TEXT" for a step that
 * could not be carried out, and "@@iob:done" as the very last line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PLAN "/etc/iobroker/plan"
#define MAX_ARGS 64

static FILE *out;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

static noreturn void power_off(void)
{
	say("@@iob:done\n");
	fflush(NULL);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mount_one(const char *src, const char *dst, const char *type)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, NULL) && errno != EBUSY)
		say("@@iob:error mount %s: %s\n", dst, strerror(errno));
}

static void open_results(void)
{
	struct termios t;
	int fd;

	mount_one("devtmpfs", "/dev", "devtmpfs");
	fd = open("/dev/hvc1", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		reboot(RB_POWER_OFF);
	/* Raw output: no "\r\n" for "\n" in what the host parses. */
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	/* Steps read nothing; the kernel's console is not their input. */
	fd = open("/dev/null", O_RDONLY);
	if (fd > 0) {
		dup2(fd, 0);
		close(fd);
	}
	out = stdout;
	setvbuf(out, NULL, _IOLBF, 0);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, val, strlen(val));
		close(fd);
	}
	if (n < 0)
		say("@@iob:error write %s: %s\n", path, strerror(errno));
	return n < 0 ? -1 : 0;
}

/* Copy a file to the result channel; returns bytes copied or -1. */
static long cat_file(const char *path)
{
	char buf[4096];
	long total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, out);
		total += n;
	}
	close(fd);
	fflush(out);
	return total;
}

static void do_insmod(char **argv, int argc)
{
	const char *params = argc > 2 ? argv[2] : "";
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

	if (fd < 0 || syscall(SYS_finit_module, fd, params, 0))
		say("@@iob:error insmod %s: %s\n", argv[1], strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void do_rmmod(char **argv)
{
	if (syscall(SYS_delete_module, argv[1], O_NONBLOCK))
		say("@@iob:error rmmod %s: %s\n", argv[1], strerror(errno));
}

static void do_kunit(char **argv)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kunit/%s/results",
		 argv[1]);
	say("@@iob:begin ktap %s\n", argv[1]);
	if (cat_file(path) < 0)
		say("@@iob:end %s missing\n", argv[1]);
	else
		say("@@iob:end %s exit=0\n", argv[1]);
}

/*
 * Run a program in its own process group with a deadline; on expiry the
 * whole group is killed so that a stuck test cannot hold up the run.
 */
static void do_run(const char *kind, char **argv)
{
	const char *name = argv[1];
	int secs = atoi(argv[2]);
	struct timespec start, now;
	int status = 0;
	pid_t pid, got;

	/* A shell command's output is for people, like a text step's. */
	say("@@iob:begin %s %s\n", strcmp(kind, "sh") ? kind : "text", name);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		if (!strcmp(kind, "sh"))
			execl("/bin/sh", "sh", "-c", argv[3], (char *)NULL);
		else
			execv(argv[3], &argv[3]);
		fprintf(stderr, "exec %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		say("@@iob:end %s exit=126\n", name);
		return;
	}
	setpgid(pid, pid);
	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= secs) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			say("@@iob:end %s timeout\n", name);
			return;
		}
		usleep(20000);
	}
	/* Orphans the test left in its group go too. */
	kill(-pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (WIFSIGNALED(status))
		say("@@iob:end %s signal=%d\n", name, WTERMSIG(status));
	else
		say("@@iob:end %s exit=%d secs=%ld\n", name,
		    WEXITSTATUS(status), (long)(now.tv_sec - start.tv_sec));
}

static void do_kmemleak(void)
{
	const char *knob = "/sys/kernel/debug/kmemleak";

	/*
	 * An object is reported only once it is older than a few seconds
	 * and was unreferenced in two scans; wait that out first.
	 */
	sleep(6);
	if (write_file(knob, "scan"))
		return;
	sleep(1);
	if (write_file(knob, "scan"))
		return;
	say("@@iob:begin kmemleak kmemleak\n");
	cat_file(knob);
	say("@@iob:end kmemleak exit=0\n");
}

/* Split a plan line in place; "sh" keeps the rest of the line whole. */
static int split(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	while (*p && argc < MAX_ARGS - 1) {
		argv[argc++] = p;
		if (argc == 4 && !strcmp(argv[0], "sh"))
			break;
		p = strchr(p, ' ');
		if (!p)
			break;
		*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

static void step(char *line)
{
	char *argv[MAX_ARGS];
	int argc = split(line, argv);

	if (!argc || argv[0][0] == '#')
		return;
	if (!strcmp(argv[0], "insmod") && argc >= 2)
		do_insmod(argv, argc);
	else if (!strcmp(argv[0], "rmmod") && argc == 2)
		do_rmmod(argv);
	else if (!strcmp(argv[0], "kunit") && argc == 2)
		do_kunit(argv);
	else if ((!strcmp(argv[0], "tap") || !strcmp(argv[0], "text") ||
		  !strcmp(argv[0], "sh")) && argc >= 4)
		do_run(argv[0], argv);
	else if (!strcmp(argv[0], "kmemleak-clear") && argc == 1)
		write_file("/sys/kernel/debug/kmemleak", "clear");
	else if (!strcmp(argv[0], "kmemleak") && argc == 1)
		do_kmemleak();
	else if (!strcmp(argv[0], "write") && argc == 3)
		write_file(argv[1], argv[2]);
	else
		say("@@iob:error unknown plan verb: %s\n", argv[0]);
}

int main(void)
{
	char line[4096];
	FILE *plan;

	open_results();
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("debugfs", "/sys/kernel/debug", "debugfs");
	mount_one("tmpfs", "/tmp", "tmpfs");
	setenv("PATH", "/bin", 1);
	setenv("HOME", "/", 1);
	if (!access("/bin/busybox", X_OK) && !fork()) {
		execl("/bin/busybox", "busybox", "--install", "-s", "/bin",
		      (char *)NULL);
		_exit(127);
	}
	while (wait(NULL) > 0)
		;

	plan = fopen(PLAN, "re");
	if (!plan) {
		say("@@iob:error no plan: %s\n", strerror(errno));
		power_off();
	}
	while (fgets(line, sizeof(line), plan)) {
		line[strcspn(line, "\n")] = '\0';
		step(line);
	}
	fclose(plan);
	power_off();
}
