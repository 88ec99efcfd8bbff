package harness

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// PodImage is the image of the tests' pods, sandbox (pause) and app
// containers alike: the busybox rootfs, whose default command sleeps.
const PodImage = "nsj.test/busybox:1"

// PauseArgs are the image's default command: what each pod sandbox runs.
var PauseArgs = []string{"sleep", "2147483"}

// importPodImage builds an OCI image layout tar of the busybox rootfs and
// imports and unpacks it in namespace k8s.io, as `ctr images import` does.
func (c *Containerd) importPodImage(rootfs string) error {
	archive, err := ociArchive(rootfs)
	if err != nil {
		return fmt.Errorf("build the pod image: %w", err)
	}
	return c.ImportImage(archive, PodImage)
}

// ImportImage imports the OCI archive of image name into namespace k8s.io
// and unpacks it.
func (c *Containerd) ImportImage(archive []byte, name string) error {
	ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), "k8s.io"), time.Minute)
	defer cancel()
	imgs, err := c.Client.Import(ctx, bytes.NewReader(archive))
	if err != nil {
		return fmt.Errorf("import the image %s: %w", name, err)
	}
	if len(imgs) != 1 || imgs[0].Name != name {
		return fmt.Errorf("import the image %s: got %v", name, imgs)
	}
	if err := client.NewImage(c.Client, imgs[0]).Unpack(ctx, "overlayfs"); err != nil {
		return fmt.Errorf("unpack the image %s: %w", name, err)
	}
	return nil
}

// ociArchive returns the pod image as an OCI image layout tar.
func ociArchive(rootfs string) ([]byte, error) {
	return OCIImageArchive(rootfs, PodImage, PauseArgs)
}

// OCIImageArchive returns an OCI image layout (oci-layout, index.json,
// blobs) as a tar: image name (NAME:TAG), one gzipped layer of rootfs, its
// config (default command cmd) and manifest.
func OCIImageArchive(rootfs, name string, cmd []string) ([]byte, error) {
	layer, diffID, err := layerTarGz(rootfs)
	if err != nil {
		return nil, err
	}
	config, err := json.Marshal(ocispec.Image{
		Platform: ocispec.Platform{Architecture: goruntime.GOARCH, OS: "linux"},
		Config:   ocispec.ImageConfig{Env: []string{"PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: cmd},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}},
	})
	if err != nil {
		return nil, err
	}
	blobs := map[digest.Digest][]byte{}
	add := func(mediaType string, b []byte) ocispec.Descriptor {
		d := digest.FromBytes(b)
		blobs[d] = b
		return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))}
	}
	manifest := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
		Config: add(ocispec.MediaTypeImageConfig, config),
		Layers: []ocispec.Descriptor{add(ocispec.MediaTypeImageLayerGzip, layer)}}
	manifest.SchemaVersion = 2
	mb, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	md := add(ocispec.MediaTypeImageManifest, mb)
	md.Annotations = map[string]string{"io.containerd.image.name": name, ocispec.AnnotationRefName: name[strings.LastIndex(name, ":")+1:]}
	md.Platform = &ocispec.Platform{Architecture: goruntime.GOARCH, OS: "linux"}
	index := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{md}}
	index.SchemaVersion = 2
	ib, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	files := map[string][]byte{ocispec.ImageLayoutFile: []byte(`{"imageLayoutVersion":"1.0.0"}`), "index.json": ib}
	for d, b := range blobs {
		files["blobs/sha256/"+d.Encoded()] = b
	}
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), tw.Close()
}

// layerTarGz packs the directory dir as a gzipped layer and returns it
// with its diff ID (the digest of the uncompressed tar).
func layerTarGz(dir string) ([]byte, digest.Digest, error) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	sum := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, sum))
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		return addToTar(tw, dir, p, d)
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	return gz.Bytes(), digest.NewDigest(digest.SHA256, sum), err
}

func addToTar(tw *tar.Writer, dir, p string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(dir, p)
	hdr.Name, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = rel, 0, 0, "", ""
	if info.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
