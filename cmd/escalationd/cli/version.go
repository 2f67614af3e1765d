package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildTime is when the binary was built, set by the linker:
//
//	go build -ldflags "-X escalationd/cmd/escalationd/cli.buildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/escalationd
//
// The Go toolchain records the commit and its time, not the build's.
var buildTime string

// VersionInfo is what the binary knows about its own build.
type VersionInfo struct {
	// Version is the module version: a tag, a pseudo-version derived from
	// the commit, or "(devel)".
	Version string `json:"version"`
	// Revision and CommitTime are the VCS commit built; Modified says the
	// work tree had uncommitted changes.
	Revision   string `json:"revision,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	Modified   bool   `json:"modified"`
	BuildTime  string `json:"build_time,omitempty"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

// Version reads the build information the Go toolchain embedded.
func Version() VersionInfo {
	v := VersionInfo{Version: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, BuildTime: buildTime}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// LogAttrs are the version as log attributes, for the daemon's first line.
func (v VersionInfo) LogAttrs() []any {
	attrs := []any{"version", v.Version, "go", v.Go}
	if v.Revision != "" {
		attrs = append(attrs, "revision", v.Revision, "commit_time", v.CommitTime, "modified", v.Modified)
	}
	if v.BuildTime != "" {
		attrs = append(attrs, "build_time", v.BuildTime)
	}
	return attrs
}

// WriteText prints the version for people: the version on the first line,
// then one "key: value" line per known fact.
func (v VersionInfo) WriteText(w io.Writer) {
	fmt.Fprintf(w, "escalationd %s\n", v.Version)
	line := func(k, val string) {
		if val != "" {
			fmt.Fprintf(w, "  %-12s %s\n", k+":", val)
		}
	}
	line("revision", v.Revision)
	line("commit time", v.CommitTime)
	if v.Revision != "" {
		line("modified", fmt.Sprint(v.Modified))
	}
	line("built", v.BuildTime)
	line("go", v.Go)
	line("platform", v.Platform)
}

func versionCmd(_ context.Context, env Env, args []string) error {
	fs := NewFlagSet("version", env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := NoArgs("version", pos); err != nil {
		return err
	}
	v := Version()
	if *asJSON {
		return writeJSONCompact(env.Stdout, v)
	}
	v.WriteText(env.Stdout)
	return nil
}
