package complete

import (
	"context"
	"errors"
	"time"

	"github.com/nsj-dev/nsj/runtime"
	"testing"

	"github.com/spf13/pflag"
)

// testFlags stands for nsj's flag set: the flags that scan reads.
func testFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("nsj", pflag.ContinueOnError)
	fs.StringP("address", "a", "", "")
	fs.StringP("namespace", "n", "", "")
	fs.IntP("target-pid", "t", 0, "")
	fs.Bool("debug", false, "")
	return fs
}

func TestScanReadsAddressAndNamespace(t *testing.T) {
	st := scan(testFlags(), []string{"-a", "/s.sock", "--namespace=k8s.io", "--debug"})
	if st.address != "/s.sock" || st.namespace != "k8s.io" || st.positional != 0 || st.pending != nil {
		t.Fatalf("scan: %+v", st)
	}
	if st := scan(testFlags(), []string{"-n"}); st.pending == nil || st.pending.Name != "namespace" {
		t.Fatalf("a trailing -n leaves its value pending: %+v", st)
	}
}

func TestScriptRejectsUnknownShells(t *testing.T) {
	if _, err := Script("tcsh"); err == nil {
		t.Fatal("no error for tcsh")
	}
	if b, err := Script("bash"); err != nil || len(b) == 0 {
		t.Fatalf("bash: %d bytes, %v", len(b), err)
	}
}

// A task ID is completed through the connect the command line hands in,
// with the -a and -n typed so far and a short timeout.
func TestCandidatesConnectWhereTheWordsSay(t *testing.T) {
	var got []runtime.Options
	connect := func(o runtime.Options) (context.Context, *runtime.Client, func(), error) {
		got = append(got, o)
		return nil, nil, nil, errors.New("no containerd here")
	}
	if c := Candidates(testFlags(), []string{"-a", "/s.sock", "-n", "shop"}, "", connect); c != nil {
		t.Fatalf("candidates without a containerd: %v", c)
	}
	Candidates(testFlags(), []string{"-a", "/s.sock", "-n"}, "", connect)
	want := runtime.Options{Address: "/s.sock", Namespace: "shop", Timeout: 2 * time.Second}
	if len(got) != 2 || got[0] != want || got[1].Address != "/s.sock" || got[1].Namespace != "" {
		t.Fatalf("connect called with %+v, want %+v then the namespaces of /s.sock", got, want)
	}
}
