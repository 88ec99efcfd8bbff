package integration

import (
	"os/exec"
	"testing"
	"time"

	"github.com/nsj-dev/nsj/integration/harness"
	"github.com/nsj-dev/nsj/nsjoin"
)

// BenchmarkSealedSelf: what protecting nsj's binary costs each run
// (nsjoin.SealedSelf: a read-only clone of the mount of the binary's
// directory; docs/security.md), against copying the binary into a sealed
// memfd as runc once did (nsj's fallback before Linux 5.12), and against a whole nsj -t PID true.
func BenchmarkSealedSelf(b *testing.B) {
	tg := harness.StartTarget(b, "sleep 100000")
	nsjBin := harness.NsjPath(b)
	var seal, memfd, run []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		path, release, err := nsjoin.SealedSelf()
		if err != nil {
			b.Fatalf("SealedSelf: %v (%s)", err, path)
		}
		release()
		seal = append(seal, time.Since(start))

		start = time.Now()
		copyToMemfd(b, nsjBin)
		memfd = append(memfd, time.Since(start))

		start = time.Now()
		if out, err := exec.Command(nsjBin, "-t", tg.PIDArg(), "true").CombinedOutput(); err != nil {
			b.Fatalf("nsj: %v: %s", err, out)
		}
		run = append(run, time.Since(start))
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(harness.Median(seal).Nanoseconds())/1000, "seal-median-us")
	b.ReportMetric(float64(harness.Median(memfd).Nanoseconds())/1000, "memfd-copy-median-us")
	b.ReportMetric(float64(harness.Median(run).Nanoseconds())/1e6, "nsj-run-median-ms")
	b.ReportMetric(100*float64(harness.Median(seal))/float64(harness.Median(run)), "seal-%-of-run")
}

// copyToMemfd copies a file into a sealed memfd and closes it: what
// nsj's re-exec does on kernels before 5.12 (nsjoin.SealedCopy).
func copyToMemfd(b *testing.B, path string) {
	_, release, err := nsjoin.SealedCopy(path)
	if err != nil {
		b.Fatal(err)
	}
	release()
}
