package integration

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
)

// BenchmarkForward: nsj -L against socat, run in the same network
// namespace (docs/forward.md). Both are one relay between two loopback TCP
// connections, with the same client and the same server on either end:
//
//   - nsj:   client on the host -> nsj -L (listens on the host, dials in
//     the container's netns) -> server in the container's netns;
//   - socat: client in the container's netns -> nsenter -t PID -n socat
//     TCP-LISTEN:...,fork TCP:127.0.0.1:... -> the same server.
//
// socat 1.7 cannot dial into another network namespace, so its client
// joins the container's instead; the data takes the same loopback path
// either way (a socket's namespace costs nothing per byte). socat runs
// with its defaults (a forked child per connection, 8 KiB copies), and for
// throughput also with -b 131072 (socat-128k), its best case.
//
// Throughput: iperf3 (server in the container's netns), 2 s per run, 5
// runs each, median, in Gbit/s. Connection rate: 500 short connections in
// a row (connect, 1 byte each way with half-close), 5 rounds, median
// connections per second. Ratios are nsj/socat: above 1, nsj is faster.
func BenchmarkForward(b *testing.B) {
	harness.RequireBinaries(b, "socat", "iperf3", "nsenter")
	c := harness.SharedContainerd(b)
	tk := c.RunTask(b, "nsj-bench", harness.UniqueID("bench-fwd"))
	pid := fmt.Sprint(tk.PID)
	iperf := exec.Command("nsenter", "-t", pid, "-n", "iperf3", "-s", "-p", "7100")
	if err := iperf.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { iperf.Process.Kill(); iperf.Wait() }()
	harness.EchoIn(b, tk.PID, 7101)
	lp := harness.FreePort(b)
	harness.StartForwarder(b, 2, "-a", c.Address, "-n", tk.Namespace,
		"-L", fmt.Sprintf("%d:127.0.0.1:7100", lp), "-L", fmt.Sprintf("%d:127.0.0.1:7101", lp+1), tk.ID)
	for _, to := range []string{"7100", "7101"} {
		socat := exec.Command("nsenter", "-t", pid, "-n", "socat", "TCP-LISTEN:1"+to+",bind=127.0.0.1,fork,reuseaddr", "TCP:127.0.0.1:"+to)
		if err := socat.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { socat.Process.Kill(); socat.Wait() }()
	}
	big := exec.Command("nsenter", "-t", pid, "-n", "socat", "-b", "131072", "TCP-LISTEN:27100,bind=127.0.0.1,fork,reuseaddr", "TCP:127.0.0.1:7100")
	if err := big.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { big.Process.Kill(); big.Wait() }()
	time.Sleep(300 * time.Millisecond) // iperf3 and socat listening
	b.ReportMetric(0, "ns/op")
	var nsjG, socatG, bigG, nsjC, socatC []float64
	for i := 0; i < 5; i++ {
		nsjG = append(nsjG, iperfGbits(b, exec.Command("iperf3", "-c", "127.0.0.1", "-p", fmt.Sprint(lp), "-t", "2", "-J")))
		socatG = append(socatG, iperfGbits(b, exec.Command("nsenter", "-t", pid, "-n", "iperf3", "-c", "127.0.0.1", "-p", "17100", "-t", "2", "-J")))
		bigG = append(bigG, iperfGbits(b, exec.Command("nsenter", "-t", pid, "-n", "iperf3", "-c", "127.0.0.1", "-p", "27100", "-t", "2", "-J")))
		nsjC = append(nsjC, connRate(b, fmt.Sprintf("127.0.0.1:%d", lp+1)))
		var r float64
		harness.InNetNS(b, tk.PID, func() { r = connRate(b, "127.0.0.1:17101") })
		socatC = append(socatC, r)
	}
	report := func(name string, v []float64) float64 {
		m := medianF(v)
		b.ReportMetric(m, name)
		return m
	}
	g, sg := report("nsj-Gbit/s", nsjG), report("socat-Gbit/s", socatG)
	cr, scr := report("nsj-conn/s", nsjC), report("socat-conn/s", socatC)
	bg := report("socat-128k-Gbit/s", bigG)
	b.ReportMetric(g/sg, "throughput-ratio")
	b.ReportMetric(g/bg, "throughput-ratio-128k")
	b.ReportMetric(cr/scr, "connrate-ratio")
}

// iperfGbits runs an iperf3 client (-J) and returns what the server received.
func iperfGbits(b *testing.B, cmd *exec.Cmd) float64 {
	b.Helper()
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v: %s", cmd.Args, err, out)
	}
	var r struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("iperf3 -J: %v", err)
	}
	return r.End.SumReceived.BitsPerSecond / 1e9
}

// connRate makes 500 short connections to addr, one after the other, and
// returns how many it made per second.
func connRate(b *testing.B, addr string) float64 {
	const n = 500
	start := time.Now()
	for i := 0; i < n; i++ {
		got, err := harness.RoundTrip(addr, []byte{'x'})
		if err != nil || string(got) != "x" {
			b.Fatalf("connection %d to %s: %q, %v", i, addr, got, err)
		}
	}
	return n / time.Since(start).Seconds()
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
