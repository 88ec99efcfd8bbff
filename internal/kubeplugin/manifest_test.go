package kubeplugin

import (
	"bufio"
	"errors"
	"io"
	"os"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// decodeManifest decodes a multi-document manifest of docs/kubernetes
// strictly (an unknown or misspelt field fails) into typed objects.
func decodeManifest(t *testing.T, name string) []any {
	t.Helper()
	f, err := os.Open("../../docs/kubernetes/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]func() any{
		"Namespace":          func() any { return &corev1.Namespace{} },
		"PriorityClass":      func() any { return &schedulingv1.PriorityClass{} },
		"DaemonSet":          func() any { return &appsv1.DaemonSet{} },
		"ClusterRole":        func() any { return &rbacv1.ClusterRole{} },
		"ClusterRoleBinding": func() any { return &rbacv1.ClusterRoleBinding{} },
		"Role":               func() any { return &rbacv1.Role{} },
		"RoleBinding":        func() any { return &rbacv1.RoleBinding{} },
	}
	var objs []any
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			t.Fatal(err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		newObj, ok := kinds[meta.Kind]
		if !ok {
			t.Fatalf("%s: unexpected kind %q", name, meta.Kind)
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			t.Fatalf("%s: %s: %v", name, meta.Kind, err)
		}
		objs = append(objs, obj)
	}
}

// agentManifest is docs/kubernetes/nsj-agent.yaml: a Namespace, a
// PriorityClass, a DaemonSet, in that order (apply creates them in order;
// the DaemonSet's pods need the PriorityClass).
func agentManifest(t *testing.T) (*corev1.Namespace, *appsv1.DaemonSet) {
	t.Helper()
	ns, _, ds := agentObjects(t)
	return ns, ds
}

func agentObjects(t *testing.T) (*corev1.Namespace, *schedulingv1.PriorityClass, *appsv1.DaemonSet) {
	t.Helper()
	objs := decodeManifest(t, "nsj-agent.yaml")
	if len(objs) != 3 {
		t.Fatalf("%d objects, want a Namespace, a PriorityClass and a DaemonSet", len(objs))
	}
	ns, ok1 := objs[0].(*corev1.Namespace)
	pc, ok2 := objs[1].(*schedulingv1.PriorityClass)
	ds, ok3 := objs[2].(*appsv1.DaemonSet)
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("got %T, %T, %T; want a Namespace, a PriorityClass, then a DaemonSet", objs[0], objs[1], objs[2])
	}
	return ns, pc, ds
}

func TestAgentManifestGivesWhatThePluginReliesOn(t *testing.T) {
	ns, ds := agentManifest(t)
	if ns.Name != AgentNamespace || ds.Namespace != AgentNamespace || ds.Name != AgentName {
		t.Fatalf("namespace %q, DaemonSet %s/%s; want %s, %s/%s", ns.Name, ds.Namespace, ds.Name, AgentNamespace, AgentNamespace, AgentName)
	}
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Error("the namespace does not let Pod Security admit privileged pods")
	}
	pod := ds.Spec.Template
	if pod.Labels[AgentLabel] != AgentName || ds.Spec.Selector.MatchLabels[AgentLabel] != AgentName {
		t.Errorf("pods labelled %v, selector %v; the plugin selects %s=%s", pod.Labels, ds.Spec.Selector.MatchLabels, AgentLabel, AgentName)
	}
	spec := pod.Spec
	if !spec.HostPID || !spec.HostNetwork {
		t.Errorf("hostPID %v hostNetwork %v: the agent must be in the host's pid and network namespaces", spec.HostPID, spec.HostNetwork)
	}
	if spec.HostIPC {
		t.Error("hostIPC: no test needs it (issue 14)")
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("the agent needs no API credentials: automountServiceAccountToken: false")
	}
	if len(spec.Containers) != 1 || spec.Containers[0].Name != AgentContainer {
		t.Fatalf("containers %v; the plugin execs in one named %q", spec.Containers, AgentContainer)
	}
	c := spec.Containers[0]
	if c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged {
		t.Error("the nsj container is not privileged")
	}
	if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Error("the nsj container has no memory request or limit")
	}
}

func TestAgentManifestMountsTheSocketsAndNetworkNamespaces(t *testing.T) {
	_, ds := agentManifest(t)
	spec := ds.Spec.Template.Spec
	hostPaths := map[string]string{} // volume name -> host path
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			hostPaths[v.Name] = v.HostPath.Path
		}
	}
	mounted := map[string]corev1.VolumeMount{} // host path -> mount
	for _, m := range spec.Containers[0].VolumeMounts {
		mounted[hostPaths[m.Name]] = m
	}
	for _, dir := range []string{"/run/containerd", "/run/k3s/containerd", "/run/netns", "/var/run/netns"} {
		m, ok := mounted[dir]
		if !ok {
			t.Errorf("host %s is not mounted", dir)
			continue
		}
		if m.MountPath != dir {
			t.Errorf("host %s is mounted at %s; nsj looks for it where it is on the node", dir, m.MountPath)
		}
	}
	for _, dir := range []string{"/run/netns", "/var/run/netns"} {
		if p := mounted[dir].MountPropagation; p == nil || *p != corev1.MountPropagationHostToContainer {
			t.Errorf("%s: propagation %v; network namespaces made after the agent starts need HostToContainer", dir, p)
		}
	}
}

func TestRBACManifestGrantsWhatThePluginCalls(t *testing.T) {
	var cluster, agentNS []rbacv1.PolicyRule
	bound := map[string]bool{} // role names bound to a subject
	for _, obj := range decodeManifest(t, "rbac.yaml") {
		switch o := obj.(type) {
		case *rbacv1.ClusterRole:
			cluster = append(cluster, o.Rules...)
		case *rbacv1.Role:
			if o.Namespace != AgentNamespace {
				t.Errorf("Role %s in namespace %q, want %q", o.Name, o.Namespace, AgentNamespace)
			}
			agentNS = append(agentNS, o.Rules...)
		case *rbacv1.ClusterRoleBinding:
			bound[o.RoleRef.Name] = len(o.Subjects) > 0
		case *rbacv1.RoleBinding:
			bound[o.RoleRef.Name] = len(o.Subjects) > 0 && o.Namespace == AgentNamespace
		}
	}
	if !bound["nsj-pod-reader"] || !bound["nsj-exec"] {
		t.Errorf("bindings %v: both roles must be bound", bound)
	}
	calls := []struct {
		rules          []rbacv1.PolicyRule
		verb, resource string
	}{
		{cluster, "get", "pods"},         // FindTarget, in any namespace
		{cluster, "list", "pods"},        // PodNodes (kubectl nsj -l), in any namespace
		{agentNS, "list", "pods"},        // FindAgent
		{agentNS, "create", "pods/exec"}, // Stream over SPDY and, from 1.35, WebSocket too
		{agentNS, "get", "pods/exec"},    // Stream over WebSocket, every version
	}
	for _, c := range calls {
		if !slices.ContainsFunc(c.rules, func(r rbacv1.PolicyRule) bool {
			return slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, c.resource) && slices.Contains(r.Verbs, c.verb)
		}) {
			t.Errorf("no rule grants %s on %s", c.verb, c.resource)
		}
	}
	for _, r := range cluster {
		if slices.Contains(r.Resources, "pods/exec") {
			t.Error("exec is granted cluster-wide; it belongs to the agent's namespace only")
		}
	}
}

// Issue 14: exec in an agent is root on its node, so the manifest keeps the
// agent off the control plane, bounds what it may take of the node, and
// names no image that anyone could publish under it.
func TestAgentManifestIsHardened(t *testing.T) {
	_, pc, ds := agentObjects(t)
	spec := ds.Spec.Template.Spec
	if len(spec.Tolerations) != 0 {
		t.Errorf("tolerations %v; by default the agent tolerates no taint (control-plane nodes are opt-in)", spec.Tolerations)
	}
	if spec.PriorityClassName != pc.Name {
		t.Errorf("priorityClassName %q; want the manifest's PriorityClass %q", spec.PriorityClassName, pc.Name)
	}
	if pc.PreemptionPolicy == nil || *pc.PreemptionPolicy != corev1.PreemptNever {
		t.Errorf("PriorityClass %s: preemptionPolicy %v; the agent must never evict other pods", pc.Name, pc.PreemptionPolicy)
	}
	if pc.GlobalDefault || pc.Value <= 0 || pc.Value >= 1000000000 {
		t.Errorf("PriorityClass %s: value %d, globalDefault %v; want a modest value, not the default", pc.Name, pc.Value, pc.GlobalDefault)
	}
	c := spec.Containers[0]
	if c.Image != "nsj-agent.invalid/set-your-image:pin-by-digest" {
		t.Errorf("image %q; want the placeholder that cannot pull until set", c.Image)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: request %v, limit %v; want both, request <= limit", r, &req, &lim)
		}
	}
	// /tmp: an emptyDir with a size limit, the one writable place.
	var tmp string
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/tmp" {
			tmp = m.Name
		}
	}
	i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == tmp })
	if tmp == "" || i < 0 || spec.Volumes[i].EmptyDir == nil || spec.Volumes[i].EmptyDir.SizeLimit == nil ||
		spec.Volumes[i].EmptyDir.SizeLimit.IsZero() {
		t.Fatal("no emptyDir with a sizeLimit is mounted at /tmp")
	}
	if lim := c.Resources.Limits[corev1.ResourceEphemeralStorage]; spec.Volumes[i].EmptyDir.SizeLimit.Cmp(lim) > 0 {
		t.Errorf("/tmp sizeLimit %v above the ephemeral-storage limit %v", spec.Volumes[i].EmptyDir.SizeLimit, &lim)
	}
}
