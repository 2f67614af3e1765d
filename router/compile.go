package router

import (
	"errors"
	"fmt"
	"strings"

	"escalationd/config"
	"escalationd/sla"
)

// Router is the compiled routing policy. It is immutable and safe for
// concurrent use.
type Router struct {
	routes     []*route
	categories []*category
	teams      map[string]*team
	teamNames  []string
	phrases    phrases
}

type route struct {
	name string
	path string // names from the top, "special > legal"

	kinds, urgencies, issueTypes, mailboxes set // nil: any
	categories                              []string
	senders                                 []string // lowercased address or @domain
	keywords                                []int    // phrase ids

	to, cc, incident []string
	flags            Flags
	notes, actions   []string
	cont             bool
	children         []*route
}

type category struct {
	name                         string
	mailboxes, kinds, issueTypes set
	keywords                     []int
	flags                        Flags
	notes                        []string
}

type team struct {
	name       string
	addresses  []string
	rotation   *sla.Rotation
	hours      *sla.Hours
	afterHours string
}

// set is a small set of lowercased strings; nil matches anything.
type set map[string]bool

func newSet(values []string) set {
	if len(values) == 0 {
		return nil
	}
	s := set{}
	for _, v := range values {
		s[strings.ToLower(strings.TrimSpace(v))] = true
	}
	return s
}

// Compile builds a Router from a validated config. It fails only on what
// would leave Route unable to answer: a team, rotation or category that
// does not exist, an after_hours cycle, hours or a rotation that do not
// compile (a time zone missing from this machine's zone database).
func Compile(cfg *config.Config) (*Router, error) {
	if cfg == nil {
		return nil, errors.New("router: nil config")
	}
	r := &Router{teams: map[string]*team{}}
	var errs []error
	fail := func(path, format string, args ...any) { errs = append(errs, cfg.Problem(path, format, args...)) }

	rotations := map[string]*sla.Rotation{}
	for i, rc := range cfg.Rotations {
		rot, err := sla.NewRotation(rc)
		if err != nil {
			fail(fmt.Sprintf("rotations[%d]", i), "%v", err)
			continue
		}
		rotations[rc.Name] = rot
	}
	for i, tc := range cfg.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		t := &team{name: tc.Name, afterHours: tc.AfterHours}
		for _, a := range tc.Addresses {
			t.addresses = append(t.addresses, strings.ToLower(strings.TrimSpace(a)))
		}
		if tc.Rotation != "" {
			if t.rotation = rotations[tc.Rotation]; t.rotation == nil {
				fail(p+".rotation", "unknown rotation %q", tc.Rotation)
			}
		}
		if tc.Hours != nil {
			h, err := sla.NewHours(*tc.Hours)
			if err != nil {
				fail(p+".hours", "%v", err)
			}
			t.hours = h
			if tc.AfterHours == "" {
				fail(p+".hours", "team %q has hours but no after_hours team", tc.Name)
			}
		}
		if len(t.addresses) == 0 && tc.Rotation == "" {
			fail(p, "team %q has no addresses and no rotation", tc.Name)
		}
		r.teams[tc.Name] = t
		r.teamNames = append(r.teamNames, tc.Name)
	}
	for i, tc := range cfg.Teams {
		if err := r.checkAfterHours(tc.Name); err != nil {
			fail(fmt.Sprintf("teams[%d].after_hours", i), "%v", err)
		}
	}

	catNames := map[string]bool{}
	for _, cc := range cfg.Categories {
		c := &category{
			name:      cc.Name,
			mailboxes: newSet(cc.Mailboxes), kinds: newSet(cc.Kinds), issueTypes: newSet(cc.IssueTypes),
			flags: flagsOf(cc.Flags), notes: cc.Notes,
		}
		for _, k := range cc.Keywords {
			c.keywords = append(c.keywords, r.phrases.add(k))
		}
		r.categories = append(r.categories, c)
		catNames[cc.Name] = true
	}

	var build func(rcs []config.Route, parent, p string) []*route
	build = func(rcs []config.Route, parent, p string) []*route {
		var out []*route
		for i, rc := range rcs {
			rp := fmt.Sprintf("%s[%d]", p, i)
			rt := &route{
				name: rc.Name, path: rc.Name,
				kinds: newSet(rc.Match.Kind), urgencies: newSet(rc.Match.Urgency),
				issueTypes: newSet(rc.Match.IssueType), mailboxes: newSet(rc.Match.Mailbox),
				categories: rc.Match.Category,
				to:         rc.To, cc: rc.Cc, incident: rc.Incident,
				flags: flagsOf(rc.Flags), notes: rc.Notes, actions: rc.Actions,
				cont: rc.Continue,
			}
			if rt.name == "" {
				rt.name = fmt.Sprintf("#%d", i+1)
				rt.path = rt.name
			}
			if parent != "" {
				rt.path = parent + " > " + rt.name
			}
			for _, s := range rc.Match.Sender {
				rt.senders = append(rt.senders, strings.ToLower(strings.TrimSpace(s)))
			}
			for _, k := range rc.Match.Keywords {
				rt.keywords = append(rt.keywords, r.phrases.add(k))
			}
			for j, c := range rc.Match.Category {
				if !catNames[c] {
					fail(fmt.Sprintf("%s.match.category[%d]", rp, j), "unknown category %q", c)
				}
			}
			for _, f := range []struct {
				field string
				names []string
			}{{"to", rc.To}, {"cc", rc.Cc}, {"incident", rc.Incident}} {
				for j, n := range f.names {
					if r.teams[n] == nil {
						fail(fmt.Sprintf("%s.%s[%d]", rp, f.field, j), "unknown team %q", n)
					}
				}
			}
			rt.children = build(rc.Routes, rt.path, rp+".routes")
			out = append(out, rt)
		}
		return out
	}
	r.routes = build(cfg.Routes, "", "routes")
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return r, nil
}

// checkAfterHours follows the after_hours chain from name; it must end at a
// known team without coming back.
func (r *Router) checkAfterHours(name string) error {
	seen := []string{name}
	for t := r.teams[name]; t != nil && t.afterHours != ""; {
		next := r.teams[t.afterHours]
		if next == nil {
			return fmt.Errorf("unknown team %q", t.afterHours)
		}
		for _, s := range seen {
			if s == next.name {
				return fmt.Errorf("after_hours cycle: %s > %s", strings.Join(seen, " > "), next.name)
			}
		}
		seen = append(seen, next.name)
		t = next
	}
	return nil
}

func flagsOf(f config.Flags) Flags {
	return Flags{Confidential: f.Confidential, ApprovalRequired: f.ApprovalRequired, SuspendAccount: f.SuspendAccount}
}

// Teams lists the team names in config order.
func (r *Router) Teams() []string { return append([]string(nil), r.teamNames...) }
