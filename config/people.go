package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Member is one person behind a team's list address, written either as a
// plain address or as {name: Sam Senior, address: sam.senior@example.com}.
// The name is how mail about a case calls the person ("acknowledged by Sam
// Senior"); the address is what their replies are recognised by.
type Member struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
}

// UnmarshalYAML accepts both forms. The mapping is read as strictly as the
// rest of the file: an unknown or repeated key is an error at its line.
func (m *Member) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.ScalarNode:
		*m = Member{}
		if n.ShortTag() != "!!null" {
			m.Address = n.Value
		}
		return nil
	case yaml.MappingNode:
		var out Member
		var errs []string
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var into *string
			switch k.Value {
			case "name":
				into = &out.Name
			case "address":
				into = &out.Address
			default:
				// The decoder's own wording, so the loader reports it as
				// every other unknown key.
				errs = append(errs, fmt.Sprintf("line %d: field %s not found in type config.Member", k.Line, k.Value))
				continue
			}
			if l, ok := seen[k.Value]; ok {
				errs = append(errs, fmt.Sprintf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, l))
				continue
			}
			seen[k.Value] = k.Line
			if v.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Sprintf("line %d: column %d: expected a single value, got a %s", v.Line, v.Column, kindName(v.Kind)))
				continue
			}
			if v.ShortTag() != "!!null" {
				*into = v.Value
			}
		}
		*m = out
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
		return nil
	}
	return typeError(n, fmt.Sprintf("expected an address or {name, address}, got a %s", kindName(n.Kind)))
}

// MarshalYAML writes a member without a name as its plain address.
func (m Member) MarshalYAML() (any, error) {
	if m.Name == "" {
		return m.Address, nil
	}
	type plain Member
	return plain(m), nil
}

// String is "Name <address>", or the address alone.
func (m Member) String() string {
	if m.Name == "" {
		return m.Address
	}
	return fmt.Sprintf("%s <%s>", m.Name, m.Address)
}

// MemberAddresses are the addresses of the team's members, lower case.
func (t Team) MemberAddresses() []string {
	out := make([]string, 0, len(t.Members))
	for _, m := range t.Members {
		out = append(out, strings.ToLower(strings.TrimSpace(m.Address)))
	}
	return out
}

// PersonName is the display name the config gives addr, from the teams'
// members or the rotations' people; "" when the config names nobody at
// that address. Validation makes sure an address has one name at most.
func (c *Config) PersonName(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	for _, t := range c.Teams {
		for _, m := range t.Members {
			if m.Name != "" && strings.EqualFold(strings.TrimSpace(m.Address), addr) {
				return m.Name
			}
		}
	}
	for _, r := range c.Rotations {
		for _, p := range r.People {
			if p.Name != "" && strings.EqualFold(strings.TrimSpace(p.Address), addr) {
				return p.Name
			}
		}
	}
	return ""
}

// members checks a team's members: each an address, none twice, a name
// that fits on one line of a mail header.
func (v *validator) members(team string, t Team) {
	seen := map[string]int{}
	for j, m := range t.Members {
		p := fmt.Sprintf("%s.members[%d]", team, j)
		switch {
		case m.Address == "":
			v.add(p, "missing address")
		case !validAddress(m.Address):
			v.add(p+".address", "invalid address %q", m.Address)
		default:
			if k, dup := seen[m.Address]; dup {
				v.add(p+".address", "duplicate member %q (also members[%d])", m.Address, k)
			}
			seen[m.Address] = j
		}
		v.personName(p+".name", m.Name)
	}
}

// personName checks a display name that mail headers will carry.
func (v *validator) personName(path, name string) {
	if strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		v.add(path, "name %q must be one line without control characters", name)
	}
}

// oneNamePerPerson reports an address the config names differently in two
// places (a team's members, a rotation's people): mail would call the same
// person by two names, depending on which came first.
func (v *validator) oneNamePerPerson() {
	type named struct{ name, path string }
	first := map[string]named{}
	check := func(path, name, addr string) {
		if name == "" || addr == "" {
			return
		}
		addr = strings.ToLower(strings.TrimSpace(addr))
		if f, ok := first[addr]; ok && f.name != name {
			v.add(path, "%s is named %q here but %q at %s: give one person one name", addr, name, f.name, f.path)
			return
		}
		if _, ok := first[addr]; !ok {
			first[addr] = named{name, path}
		}
	}
	for i, t := range v.c.Teams {
		for j, m := range t.Members {
			check(fmt.Sprintf("teams[%d].members[%d].name", i, j), m.Name, m.Address)
		}
	}
	for i, r := range v.c.Rotations {
		for j, p := range r.People {
			check(fmt.Sprintf("rotations[%d].people[%d].name", i, j), p.Name, p.Address)
		}
	}
}
