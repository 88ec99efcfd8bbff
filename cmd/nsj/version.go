package main

import (
	"runtime/debug"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

type versionInfo struct {
	version, commit, goVersion, containerd string
}

func buildVersion() versionInfo {
	v := versionInfo{version: version, commit: "unknown", goVersion: "unknown", containerd: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.goVersion = info.GoVersion
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			v.commit = s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v.commit += "-dirty"
		}
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/containerd/containerd/v2" {
			v.containerd = d.Version
		}
	}
	return v
}
