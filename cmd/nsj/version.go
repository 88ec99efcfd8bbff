package main

import (
	"runtime/debug"

	"github.com/nsj-dev/nsj/runtime"
)

// version and commit are set at build time (make build, make release):
// -ldflags "-X main.version=v1.2.3 -X main.commit=HASH". Without a commit,
// the one go build stamps (vcs.revision) is shown, if any.
var (
	version = "dev"
	commit  = ""
)

type versionInfo struct {
	version, commit, goVersion, containerd string
}

func buildVersion() versionInfo {
	v := versionInfo{version: version, commit: "unknown", goVersion: "unknown", containerd: runtime.APIVersion}
	if commit != "" {
		v.commit = commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.goVersion = info.GoVersion
	for _, s := range info.Settings {
		if commit != "" {
			break
		}
		if s.Key == "vcs.revision" {
			v.commit = s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v.commit += "-dirty"
		}
	}
	return v
}
