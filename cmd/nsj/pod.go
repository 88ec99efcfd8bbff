package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/nsj-dev/nsj/nsjoin"
	"github.com/nsj-dev/nsj/runtime"
	"github.com/sirupsen/logrus"
)

// Kubernetes pods as targets: pod/NAME[/CONTAINER] (pod namespace from
// --pod-namespace) and k8s://[NS/]NAME[/CONTAINER], looked up in containerd
// namespace k8s.io unless -n says otherwise (runtime.FindPod).

const (
	podPrefix = "pod/"
	k8sPrefix = "k8s://"
)

// isPodRef reports whether a target names a pod rather than a task.
func isPodRef(s string) bool {
	return strings.HasPrefix(s, podPrefix) || strings.HasPrefix(s, k8sPrefix)
}

// parsePodRef reads pod/NAME[/CONTAINER], whose pod namespace is
// podNamespace ("" for the default), or k8s://NAME, k8s://NS/NAME and
// k8s://NS/NAME/CONTAINER, which may not contradict podNamespace.
func parsePodRef(s, podNamespace string) (runtime.PodRef, error) {
	ref := runtime.PodRef{Namespace: podNamespace}
	if rest, ok := strings.CutPrefix(s, podPrefix); ok {
		parts := strings.Split(rest, "/")
		switch {
		case len(parts) > 2 || slices.Contains(parts, ""):
			return ref, usageErrorf("%q: name a pod as pod/NAME or pod/NAME/CONTAINER (its namespace with --pod-namespace)", s)
		case len(parts) == 2:
			ref.Container = parts[1]
		}
		ref.Name = parts[0]
		return ref, nil
	}
	parts := strings.Split(strings.TrimPrefix(s, k8sPrefix), "/")
	if len(parts) > 3 || slices.Contains(parts, "") {
		return ref, usageErrorf("%q: name a pod as k8s://NAME, k8s://NAMESPACE/NAME or k8s://NAMESPACE/NAME/CONTAINER", s)
	}
	if len(parts) == 1 {
		ref.Name = parts[0]
		return ref, nil
	}
	if podNamespace != "" && podNamespace != parts[0] {
		return ref, usageErrorf("%q names pod namespace %q, --pod-namespace %q; give one", s, parts[0], podNamespace)
	}
	ref.Namespace, ref.Name = parts[0], parts[1]
	if len(parts) == 3 {
		ref.Container = parts[2]
	}
	return ref, nil
}

// checkPod parses a pod target and rejects what does not go with pods:
// check calls it for a pod target, --pods and --sandbox.
func (o *options) checkPod() error {
	if isPodRef(o.target) {
		ref, err := parsePodRef(o.target, o.podNamespace)
		if err != nil {
			return err
		}
		o.pod = &ref
	}
	switch {
	case o.pods && !o.list:
		return usageErrorf("--pods goes with --list: nsj --list --pods [--pod-namespace NAMESPACE]")
	case !o.pods && o.pod == nil:
		return usageErrorf("--sandbox needs a pod target: nsj --sandbox pod/NAME COMMAND")
	case o.all || len(o.selectors) > 0 || o.jobs != 0 || o.noPrefix || o.taskTimeout != 0:
		return usageErrorf("a pod target names one container; --all (with --pod-namespace) runs a command in many")
	case o.pods && o.allNamespaces:
		return usageErrorf("--list --pods lists every pod namespace; choose one with --pod-namespace, the containerd namespace with -n")
	case o.list && len(o.command) > 0:
		return usageErrorf("--list takes no arguments, got %q", strings.Join(o.command, " "))
	case o.list && o.sandbox:
		return usageErrorf("--sandbox goes with a pod target: nsj --sandbox pod/NAME COMMAND")
	case o.output != "table" && o.output != "json":
		return usageErrorf("--output %q: use table or json", o.output)
	case o.pods:
		return nil
	case o.sandbox && o.pod.Container != "":
		return usageErrorf("--sandbox joins the pod's sandbox, not container %q; drop one", o.pod.Container)
	case o.inspect && len(o.command) > 0:
		return usageErrorf("--inspect takes one target, got %q too", strings.Join(o.command, " "))
	}
	return nil
}

// podConnection is o with the containerd namespace of pods: -n, else k8s.io.
func podConnection(o *options) *options {
	po := *o
	if po.namespace == "" {
		po.namespace = runtime.KubernetesNamespace
	}
	return &po
}

// podTarget finds the container (or sandbox) a pod target names and says
// which of its namespaces to join.
func podTarget(o *options, sel nsjoin.Selection) (*target, error) {
	ctx, c, done, err := connect(podConnection(o))
	if err != nil {
		return nil, err
	}
	pt, err := c.FindPod(ctx, *o.pod, o.sandbox)
	if err != nil {
		done()
		return nil, err
	}
	tk := pt.Target
	t := &target{
		name:      podTargetName(pt),
		pid:       int(tk.PID),
		specPaths: specPaths(tk),
		recheck:   func() error { return c.Recheck(ctx, tk) },
		done:      done,
		spec:      tk.Spec,
		paused:    tk.Status == runtime.StatusPaused || tk.Status == runtime.StatusPausing,
	}
	logrus.Debugf("%s: task %s/%s, pid %d, status %s, containerd at %s", t.name, tk.Namespace, tk.ID, tk.PID, tk.Status, c.Address())
	if tk.Status == runtime.StatusPaused || tk.Status == runtime.StatusPausing {
		logrus.Warnf("%s is paused: joining anyway, but its processes stay frozen until it is resumed", t.name)
	}
	warnRiskySpec(t.name, tk.Spec, o)
	if pt.Sandbox() {
		t.sel, t.files = sandboxSelection(pt, sel)
		return t, nil
	}
	t.sel = withoutHostNetwork(pt.Pod, taskSelection(tk, sel), sel)
	if pt.Pod.SharedPID && slices.Contains(t.sel.Types, "pid") {
		t.root = containerRoot(tk.PID)
	}
	return t, nil
}

func podTargetName(pt *runtime.PodTarget) string {
	if pt.Sandbox() {
		return fmt.Sprintf("the sandbox of pod %s", pt.Pod.Ref())
	}
	return fmt.Sprintf("container %s of pod %s", pt.Container, pt.Pod.Ref())
}

// withoutHostNetwork leaves net out of a hostNetwork pod's selection: its
// network is the host's, and nsj does not pretend to join it. asked is
// what --ns said.
func withoutHostNetwork(p *runtime.Pod, sel, asked nsjoin.Selection) nsjoin.Selection {
	if !p.HostNetwork || asked.Explicit && !slices.Contains(asked.Types, "net") {
		return sel
	}
	logrus.Infof("pod %s shares the host network namespace: the command sees the host's network (net is not joined)", p.Ref())
	types := slices.DeleteFunc(slices.Clone(sel.Types), func(t string) bool { return t == "net" })
	if types == nil {
		types = []string{}
	}
	return nsjoin.Selection{Types: types, Explicit: sel.Explicit}
}

// sandboxSelection joins the sandbox's network (from the pod's netns file),
// IPC and UTS namespaces, and its pid namespace only if the pod's
// containers share it; --ns overrides. A fallback is explained on stderr.
func sandboxSelection(pt *runtime.PodTarget, asked nsjoin.Selection) (nsjoin.Selection, map[string]string) {
	p := pt.Pod
	sel := asked
	pidWhy := "not pid: each container of the pod has its own"
	if !asked.Explicit {
		sel = nsjoin.Selection{Types: []string{"net", "ipc", "uts"}}
		if p.SharedPID {
			sel.Types = append(sel.Types, "pid")
			pidWhy = "pid too: the pod's containers share the sandbox's"
		}
	}
	sel = withoutHostNetwork(p, sel, asked)
	if asked.Explicit {
		pidWhy = "as --ns asks"
	}
	var files map[string]string
	if p.NetNSPath != "" && slices.Contains(sel.Types, "net") {
		files = map[string]string{"net": p.NetNSPath}
	}
	what := fmt.Sprintf("its %s namespaces (%s)", strings.Join(sel.Types, ", "), pidWhy)
	if pt.Fallback != "" {
		logrus.Warnf("%s; joining the pod's sandbox instead: %s", pt.Fallback, what)
	} else {
		logrus.Debugf("joining the sandbox of pod %s: %s", p.Ref(), what)
	}
	return sel, files
}

// containerRoot is where a container whose pid namespace is the pod's sees
// its own files: /proc/N/root, N its init's PID in that namespace (pid 1
// is the sandbox's pause). "" if /proc does not say.
func containerRoot(hostPID uint32) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", hostPID))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 1 {
				return "/proc/" + f[len(f)-1] + "/root"
			}
		}
	}
	return ""
}

// setRoot points $NSJ_ROOT at root, unless the caller set NSJ_ROOT or
// the command gets no /proc of the container's.
func setRoot(req *nsjoin.JoinRequest, c *command, root string) {
	if root == "" || !req.MountProc || envValue(c.env, "NSJ_ROOT") != "" {
		return
	}
	req.Env = setEnv(req.Env, "NSJ_ROOT", root, true)
}

// inspectPod prints the container a pod target resolves to, as --inspect
// prints a task.
func inspectPod(o *options) error {
	ctx, c, done, err := connect(podConnection(o))
	if err != nil {
		return err
	}
	defer done()
	pt, err := c.FindPod(ctx, *o.pod, o.sandbox)
	if err != nil {
		return err
	}
	if pt.Fallback != "" {
		logrus.Warnf("%s; showing the pod's sandbox", pt.Fallback)
	}
	if err := pt.Target.Inspect(); err != nil {
		return err
	}
	return printJSON(pt.Target)
}
