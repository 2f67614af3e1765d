package config

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// positions maps a key path ("mailboxes[0].password_file") to the line it
// was written on, so validation can point at the line to fix.
type positions map[string]int

// values maps where a value starts (line, column) to its key path, so a
// value that fails to parse is reported under its key even when several
// keys share a line ({start: "9am", end: "17:00"}).
type values map[[2]int]string

func indexPositions(root *yaml.Node) (positions, values) {
	pos := positions{}
	vals := values{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				pos[p] = k.Line
				vals[[2]int{v.Line, v.Column}] = p
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				pos[p] = c.Line
				if _, ok := vals[[2]int{c.Line, c.Column}]; !ok {
					vals[[2]int{c.Line, c.Column}] = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return pos, vals
}

// line returns the line of path, or of its nearest ancestor that was
// written in the file (a missing key is reported where its parent is).
func (p positions) line(path string) int {
	for path != "" {
		if l, ok := p[path]; ok {
			return l
		}
		path = parentPath(path)
	}
	return 0
}

// pathAt returns the deepest key written on line (a list item only when
// the line has no key), used to name the key of a value the decoder
// rejected. With name, only a key of that name counts: where an unknown
// key sits.
func (p positions) pathAt(line int, name string) string {
	var best, items []string
	for k, l := range p {
		switch {
		case l != line:
		case name != "":
			if k == name || strings.HasSuffix(k, "."+name) {
				best = append(best, k)
			}
		case strings.HasSuffix(k, "]"):
			items = append(items, k)
		default:
			best = append(best, k)
		}
	}
	if len(best) == 0 {
		best = items
	}
	if len(best) == 0 {
		return ""
	}
	// Deepest first; among equals the first in order, so the answer does
	// not depend on map iteration.
	sort.Slice(best, func(i, j int) bool {
		if len(best[i]) != len(best[j]) {
			return len(best[i]) > len(best[j])
		}
		return best[i] < best[j]
	})
	return best[0]
}

// parentPath drops the last element: a.b[2].c → a.b[2] → a.b → a.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}

// Line returns the file line of a key path such as "routes[2].to", or of the
// nearest written ancestor; 0 when unknown.
func (c *Config) Line(path string) int { return c.pos.line(path) }

// Problem formats a validation problem as "file:line: path: message".
// Packages that validate their own part of the config (router, sla) use it
// so every problem reads the same.
func (c *Config) Problem(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	where := c.where()
	if l := c.Line(path); l > 0 {
		where = fmt.Sprintf("%s:%d", where, l)
	}
	if path != "" {
		return fmt.Errorf("%s: %s: %s", where, path, msg)
	}
	return fmt.Errorf("%s: %s", where, msg)
}

// where names the file in problems.
func (c *Config) where() string {
	if c.Path == "" {
		return "config"
	}
	return c.Path
}
