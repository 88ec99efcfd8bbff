package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkCapture: 1, 8 and 32 containers, each sending UDP to the peer
// with iperf3 at loadRate, captured for one window per iteration by
//
//   - plain: one tcpdump -w FILE per container (nsenter -n), separate files;
//   - nsj: one nsj capture -w FILE of them all, merged.
//
// both under the same load, one after the other. It reports packets per
// second captured, the kernel's drops, the CPU time per packet (user +
// system of each method's processes, as wait4 counts them) and nsj's peak
// RSS. Not a timed assert: the numbers go in docs/capture.md.
func BenchmarkCapture(b *testing.B) {
	harness.RequireBinaries(b, "tcpdump", "iperf3", "ip", "nsenter")
	c := harness.SharedContainerd(b)
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("containers=%d", n), func(b *testing.B) { benchCapture(b, c, n) })
	}
}

// loadRate is each container's iperf3 UDP rate (64-byte datagrams).
const loadRate = "8M"

// captureWindow is how long each method captures per iteration.
const captureWindow = 2 * time.Second

func benchCapture(b *testing.B, c *harness.Containerd, n int) {
	ns := harness.UniqueID("nsj-bench-cap")
	var pids []uint32
	for i := range n {
		pids = append(pids, c.RunTask(b, ns, fmt.Sprintf("load-%02d", i)).PID)
	}
	net := harness.NewPeerNet(b, pids...)
	var clients []chan error
	for i, pid := range pids {
		port := fmt.Sprint(5201 + i)
		background(b, exec.Command("ip", "netns", "exec", net.Netns, "iperf3", "-s", "-p", port))
		time.Sleep(300 * time.Millisecond)
		clients = append(clients, background(b, exec.Command("nsenter", "--net=/proc/"+fmt.Sprint(pid)+"/ns/net", "iperf3", "-c", net.PeerIP, "-p", port, "-u", "-b", loadRate, "-l", "64", "-t", "3600")))
	}
	time.Sleep(time.Second)
	for i, done := range clients {
		select {
		case err := <-done:
			b.Fatalf("the iperf3 client of container %d ended: %v", i, err)
		default:
		}
	}
	dir := b.TempDir()
	var plain, merged result
	b.ResetTimer()
	for range b.N {
		plain.add(capturePlain(b, dir, pids))
		merged.add(captureMerged(b, c, ns, filepath.Join(dir, "all.pcapng")))
	}
	b.StopTimer()
	plain.report(b, "plain")
	merged.report(b, "nsj")
	b.ReportMetric(merged.packets/plain.packets, "nsj/plain")
	b.ReportMetric(float64(merged.maxRSS)/1024, "nsj-peak-RSS-MiB") // the largest of nsj and its tcpdumps
}

// result sums what one method captured; wall is the time the tcpdumps
// listened (for nsj, from its statistics: not nsj's start).
type result struct {
	packets, dropped float64
	cpu, wall        time.Duration
	maxRSS           int64 // KiB
}

func (r *result) add(o result) {
	r.packets += o.packets
	r.dropped += o.dropped
	r.cpu += o.cpu
	r.wall += o.wall
	r.maxRSS = max(r.maxRSS, o.maxRSS)
}

func (r *result) report(b *testing.B, name string) {
	b.ReportMetric(r.packets/r.wall.Seconds(), name+"-pkts/s")
	b.ReportMetric(r.dropped, name+"-dropped")
	if r.packets > 0 {
		b.ReportMetric(float64(r.cpu.Nanoseconds())/r.packets, name+"-cpu-ns/pkt")
	}
}

// background runs cmd until the benchmark ends; the channel gets how it
// ended, if it ends before.
func background(b *testing.B, cmd *exec.Cmd) chan error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		done <- fmt.Errorf("%v: %s", err, out.String())
	}()
	b.Cleanup(func() { cmd.Process.Kill(); <-done })
	return done
}

var (
	capturedRE = regexp.MustCompile(`(?m)^(\d+) packets? captured$`)
	droppedRE  = regexp.MustCompile(`(?m)^(\d+) packets? dropped by kernel$`)
	writtenRE  = regexp.MustCompile(`nsj: (\d+) packets written`)
)

func sumOf(re *regexp.Regexp, out string) float64 {
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum += v
	}
	return sum
}

// cpuOf is the user + system time of a process and what it waited for.
func cpuOf(st *os.ProcessState) time.Duration { return st.UserTime() + st.SystemTime() }

// capturePlain runs one tcpdump -w per container for captureWindow.
func capturePlain(b *testing.B, dir string, pids []uint32) result {
	var cmds []*exec.Cmd
	outs := make([]*bytes.Buffer, len(pids))
	for i, pid := range pids {
		cmd := exec.Command("nsenter", "--net=/proc/"+fmt.Sprint(pid)+"/ns/net", "tcpdump", "-i", "eth0", "-w", filepath.Join(dir, fmt.Sprintf("plain-%d.pcap", i)))
		outs[i] = &bytes.Buffer{}
		cmd.Stderr = outs[i]
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	time.Sleep(captureWindow)
	var r result
	for _, cmd := range cmds {
		cmd.Process.Signal(syscall.SIGINT)
	}
	for i, cmd := range cmds {
		cmd.Wait()
		r.packets += sumOf(capturedRE, outs[i].String())
		r.dropped += sumOf(droppedRE, outs[i].String())
		r.cpu += cpuOf(cmd.ProcessState)
	}
	r.wall = captureWindow
	return r
}

// captureMerged runs one nsj capture of every container for captureWindow.
func captureMerged(b *testing.B, c *harness.Containerd, ns, file string) result {
	cmd := exec.Command(harness.NsjPath(b), "capture", "-a", c.Address, "-n", ns, "--all", "-i", "eth0", "-w", file, "--duration", captureWindow.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("nsj capture: %v\n%s", err, out)
	}
	r := result{packets: sumOf(writtenRE, string(out)), cpu: cpuOf(cmd.ProcessState)}
	// The tcpdumps listen from their start to their end, as each interface's
	// statistics say: --duration, and the time they get to hand over what
	// the kernel holds (1.1 s), so the rate is over that time, per interface
	// (all listen side by side).
	var listened time.Duration
	stats := statistics(b, file)
	for _, st := range stats {
		r.dropped += float64(st.Dropped)
		if st.Start == 0 || st.End <= st.Start {
			b.Fatalf("an interface's statistics lack its start and end: %+v", st)
		}
		listened += time.Duration(st.End - st.Start)
	}
	r.wall = listened / time.Duration(max(len(stats), 1))
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	return r
}
