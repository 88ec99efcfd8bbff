package kubeplugin

// kubectl nsj cp: the agent runs nsj cp with a tar stream over the exec's
// stdout (out of the pod) or stdin (into it); the plugin unpacks or packs
// it on the operator's machine (untar.go, tarpack.go). Nothing is needed in
// the pod's image.

// CopyOutArgs is the agent's command line that writes the pod's path as a
// tar stream on stdout.
func CopyOutArgs(t *Target, path string, debug bool) []string {
	return append(copyArgs(debug), "--", t.ContainerID+":"+path, "-")
}

// CopyInArgs is the agent's command line that unpacks the tar stream on
// its stdin at the pod's path: into it if it is a directory, else as it.
func CopyInArgs(t *Target, path string, debug bool) []string {
	return append(copyArgs(debug), "--", "-", t.ContainerID+":"+path)
}

func copyArgs(debug bool) []string {
	argv := []string{"nsj", "cp", "-n", ContainerdNamespace}
	if debug {
		argv = append(argv, "--debug")
	}
	return argv
}
