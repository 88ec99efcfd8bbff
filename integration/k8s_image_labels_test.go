package integration

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// withImageLabels returns the OCI archive (as harness.OCIImageArchive makes it:
// one manifest) with labels in its image config, as LABEL in a Dockerfile
// puts them there, and the manifest and index that name it updated.
func withImageLabels(archive []byte, labels map[string]string) ([]byte, error) {
	files, order, err := readTar(archive)
	if err != nil {
		return nil, err
	}
	blob := func(d digest.Digest) string { return "blobs/sha256/" + d.Encoded() }
	var index ocispec.Index
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		return nil, fmt.Errorf("index.json: %v (%d manifests, want 1)", err, len(index.Manifests))
	}
	var manifest ocispec.Manifest
	if err := json.Unmarshal(files[blob(index.Manifests[0].Digest)], &manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var config ocispec.Image
	if err := json.Unmarshal(files[blob(manifest.Config.Digest)], &config); err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	config.Config.Labels = labels
	replace := func(old *ocispec.Descriptor, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		delete(files, blob(old.Digest))
		old.Digest, old.Size = digest.FromBytes(b), int64(len(b))
		files[blob(old.Digest)] = b
		order = append(order, blob(old.Digest))
		return nil
	}
	if err := replace(&manifest.Config, config); err != nil {
		return nil, err
	}
	if err := replace(&index.Manifests[0], manifest); err != nil {
		return nil, err
	}
	if files["index.json"], err = json.Marshal(index); err != nil {
		return nil, err
	}
	return writeTar(files, order)
}

// readTar reads the regular files of a tar archive, and their order.
func readTar(archive []byte) (map[string][]byte, []string, error) {
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, order, nil
		}
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, err
		}
		files[h.Name] = b
		order = append(order, h.Name)
	}
}

// writeTar writes the files named in order that are in files.
func writeTar(files map[string][]byte, order []string) ([]byte, error) {
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for _, name := range order {
		b, ok := files[name]
		if !ok {
			continue
		}
		delete(files, name)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), tw.Close()
}
