package kubeplugin

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tarOf is a tar stream of headers; a regular file's content is its
// Linkname field's text, moved into the data.
func tarOf(t *testing.T, hs ...tar.Header) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hs {
		data := ""
		if h.Typeflag == tar.TypeReg {
			data, h.Linkname, h.Size = h.Linkname, "", int64(len(h.Linkname))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	tw.Close()
	return &b
}

func file(name, data string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeReg, Linkname: data}
}

func link(name, to string) tar.Header {
	return tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to}
}

func noWarn(t *testing.T) func(string) { return func(s string) { t.Errorf("warning: %s", s) } }

func TestUnpackPutsTheCopyIntoADirectoryOrAsTheDestination(t *testing.T) {
	dir := t.TempDir()
	stream := func() *bytes.Buffer {
		return tarOf(t, tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}, file("etc/a/f", "deep"), link("etc/l", "a/f"))
	}
	if err := Unpack(stream(), dir, noWarn(t)); err != nil {
		t.Fatal(err)
	}
	if err := Unpack(stream(), filepath.Join(dir, "renamed"), noWarn(t)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc/a/f", "renamed/a/f"} {
		if b, _ := os.ReadFile(filepath.Join(dir, p)); string(b) != "deep" {
			t.Fatalf("%s: %q", p, b)
		}
	}
	if l, _ := os.Readlink(filepath.Join(dir, "renamed/l")); l != "a/f" {
		t.Fatalf("link: %q", l)
	}
}

// Streams that try to write outside the destination: each fails, and
// nothing appears outside.
func TestUnpackRefusesNamesAndLinksLeadingOutside(t *testing.T) {
	outside := t.TempDir()
	for name, stream := range map[string]*bytes.Buffer{
		"absolute":                tarOf(t, file(outside+"/abs", "x")),
		"dotdot":                  tarOf(t, file("d/../../"+filepath.Base(outside)+"/dd", "x")),
		"through its link":        tarOf(t, link("d", outside), file("d/vialink", "x")),
		"through a relative link": tarOf(t, tar.Header{Name: "d/", Typeflag: tar.TypeDir}, link("d/up", "../.."), file("d/up/"+filepath.Base(outside)+"/rel", "x")),
	} {
		dest := filepath.Join(t.TempDir(), "dest")
		os.Mkdir(dest, 0o755)
		err := Unpack(stream, dest, noWarn(t))
		if err == nil || !strings.Contains(err.Error(), "outside the destination") && !strings.Contains(err.Error(), "a link is never followed") {
			t.Errorf("%s: not refused by kubectl-nsj's own checks: %v", name, err)
		}
		if names, _ := os.ReadDir(outside); len(names) != 0 {
			t.Fatalf("%s: written outside the destination: %v (err %v)", name, names, err)
		}
	}
}

// A link the stream made is not followed even where it stays inside.
func TestUnpackDoesNotFollowALinkTheStreamMade(t *testing.T) {
	dest := t.TempDir()
	err := Unpack(tarOf(t, tar.Header{Name: "top/e/", Typeflag: tar.TypeDir}, link("top/d", "e"), file("top/d/f", "x")), dest, noWarn(t))
	if err == nil || !strings.Contains(err.Error(), "a link is never followed") {
		t.Fatalf("Unpack through the stream's link: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dest, "top/e/f")); err == nil {
		t.Fatal("written through the stream's link")
	}
}
