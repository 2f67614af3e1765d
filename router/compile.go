package router

import (
	"errors"
	"fmt"
	"strings"

	"escalationd/config"
	"escalationd/sla"
	"escalationd/vocab"
)

// Router is the compiled routing policy. It is immutable and safe for
// concurrent use.
type Router struct {
	routes     []*route
	categories []*category
	teams      map[string]*team
	teamNames  []string
	phrases    phrases
	schedule   *sla.Schedule
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
	esc              escalation
	cont             bool
	children         []*route
}

type category struct {
	name                         string
	mailboxes, kinds, issueTypes set
	keywords, exclude            []int
	fields                       uint8 // inSubject|inText: where keywords count
	flags                        Flags
	notes                        []string
	esc                          escalation
}

// escalation is a route's or category's breach chain override; chain nil
// and top nil leave the urgency's.
type escalation struct {
	chain []string
	top   *int
}

func (e escalation) set() bool { return e.chain != nil || e.top != nil }

type team struct {
	name       string
	addresses  []string
	rotation   *sla.Rotation
	hours      *sla.Hours
	afterHours string
	lead       string
}

// Where a category's keywords are looked for (categories[].fields).
const (
	FieldSubject = "subject"
	FieldText    = "text"
)

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

// Compile builds a Router from a config. It is the one place the rules of
// routing live: every team name the config uses resolves (routes,
// after_hours, the SLA chains, the flood alert), teams reach someone at all
// hours, rotations and hours compile (sla.NewRotation, sla.NewHours),
// keywords can match, and every route can be reached. Each problem names
// its file and line (config.Problem), so check-config passes Compile in
// config.Options.Checks; the Router is nil when there is any.
func Compile(cfg *config.Config) (*Router, error) {
	if cfg == nil {
		return nil, errors.New("router: nil config")
	}
	r := &Router{teams: map[string]*team{}}
	c := &checker{cfg: cfg}

	// The rotations compile once, here; the router keeps them as the
	// schedule that answers who is on call.
	sched, err := sla.NewSchedule(cfg)
	if err != nil {
		c.errs = append(c.errs, err)
	}
	r.schedule = sched
	rotationNames := map[string]bool{}
	for _, rc := range cfg.Rotations {
		rotationNames[rc.Name] = true
	}
	for i, tc := range cfg.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		t := &team{name: tc.Name, afterHours: tc.AfterHours, lead: strings.ToLower(strings.TrimSpace(tc.Lead))}
		for _, a := range tc.Addresses {
			t.addresses = append(t.addresses, strings.ToLower(strings.TrimSpace(a)))
		}
		switch {
		case len(t.addresses) == 0 && tc.Rotation == "":
			c.fail(p, "team %q has no addresses and no rotation", tc.Name)
		case len(t.addresses) > 0 && tc.Rotation != "":
			c.fail(p, "team %q sets both addresses and rotation; choose one", tc.Name)
		}
		if tc.Rotation != "" {
			if rot, err := sched.Rotation(tc.Rotation); err == nil {
				t.rotation = rot
			}
			if !rotationNames[tc.Rotation] {
				c.fail(p+".rotation", "unknown rotation %q", tc.Rotation)
			}
		}
		if tc.Hours != nil {
			h, err := sla.NewHours(*tc.Hours, cfg.CompanyHolidays()...)
			if err != nil {
				c.errs = append(c.errs, cfg.Problems(p+".hours", err)...)
			}
			t.hours = h
			if tc.AfterHours == "" {
				c.fail(p+".hours", "team %q has hours but no after_hours team", tc.Name)
			}
		}
		if _, dup := r.teams[tc.Name]; !dup {
			r.teams[tc.Name] = t
			r.teamNames = append(r.teamNames, tc.Name)
		}
	}
	for i, tc := range cfg.Teams {
		p := fmt.Sprintf("teams[%d].after_hours", i)
		switch {
		case tc.AfterHours == "":
		case tc.Hours == nil:
			c.fail(p, "after_hours needs hours")
		case tc.AfterHours == tc.Name:
			c.fail(p, "after_hours cannot name the team itself")
		default:
			c.teamRef(r, p, tc.AfterHours)
		}
	}
	c.afterHoursCycles(cfg.Teams)

	catNames := map[string]bool{}
	for i, cc := range cfg.Categories {
		cat := &category{
			name:      cc.Name,
			mailboxes: newSet(cc.Mailboxes), kinds: newSet(cc.Kinds), issueTypes: newSet(cc.IssueTypes),
			flags: flagsOf(cc.Flags), notes: cc.Notes,
			esc: escalation{chain: cc.Chain, top: cc.TopReminders},
		}
		p := fmt.Sprintf("categories[%d]", i)
		c.keywords(p+".keywords", cc.Keywords)
		for _, k := range cc.Keywords {
			cat.keywords = append(cat.keywords, r.phrases.add(k))
		}
		c.keywords(p+".exclude_keywords", cc.ExcludeKeywords)
		for _, k := range cc.ExcludeKeywords {
			cat.exclude = append(cat.exclude, r.phrases.add(k))
		}
		if len(cc.ExcludeKeywords) > 0 && len(cc.Keywords) == 0 {
			c.fail(p+".exclude_keywords", "category %q has exclude_keywords but no keywords for them to hold back", cc.Name)
		}
		cat.fields = inSubject | inText
		if len(cc.Fields) > 0 {
			cat.fields = 0
		}
		for j, f := range cc.Fields {
			switch strings.ToLower(strings.TrimSpace(f)) {
			case FieldSubject:
				cat.fields |= inSubject
			case FieldText:
				cat.fields |= inText
			default:
				c.fail(fmt.Sprintf("%s.fields[%d]", p, j), "%q is not one of %s, %s", f, FieldSubject, FieldText)
			}
		}
		c.chain(r, p+".chain", cc.Chain)
		r.categories = append(r.categories, cat)
		catNames[cc.Name] = true
	}

	var build func(rcs []config.Route, parent, p string, outer map[string][]string) []*route
	build = func(rcs []config.Route, parent, p string, outer map[string][]string) []*route {
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
				esc:  escalation{chain: rc.Chain, top: rc.TopReminders},
				cont: rc.Continue,
			}
			c.chain(r, rp+".chain", rc.Chain)
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
			for j, cat := range rc.Match.Category {
				if !catNames[cat] {
					c.fail(fmt.Sprintf("%s.match.category[%d]", rp, j), "unknown category %q", cat)
				}
			}
			c.keywords(rp+".match.keywords", rc.Match.Keywords)
			for _, k := range rc.Match.Keywords {
				rt.keywords = append(rt.keywords, r.phrases.add(k))
			}
			inner := c.narrowed(rc, rp, outer)
			for _, f := range []struct {
				field string
				names []string
			}{{"to", rc.To}, {"cc", rc.Cc}, {"incident", rc.Incident}} {
				for j, n := range f.names {
					c.teamRef(r, fmt.Sprintf("%s.%s[%d]", rp, f.field, j), n)
				}
			}
			rt.children = build(rc.Routes, rt.path, rp+".routes", inner)
			out = append(out, rt)
		}
		c.shadowed(rcs, p)
		return out
	}
	r.routes = build(cfg.Routes, "", "routes", nil)

	for _, name := range vocab.Urgencies {
		c.chain(r, fmt.Sprintf("sla.urgencies.%s.chain", name), cfg.SLA.Urgencies[name].Chain)
	}
	if f := cfg.RateLimits.FloodAlert; f != "" {
		c.teamRef(r, "rate_limits.flood_alert", f)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	return r, nil
}

func flagsOf(f config.Flags) Flags {
	return Flags{Confidential: f.Confidential, ApprovalRequired: f.ApprovalRequired, SuspendAccount: f.SuspendAccount}
}

// Teams lists the team names in config order.
func (r *Router) Teams() []string { return append([]string(nil), r.teamNames...) }

// Schedule is every rotation of the config, compiled with the router.
func (r *Router) Schedule() *sla.Schedule { return r.schedule }

// Check is Compile for check-config: only the problems. Pass it in
// config.Options.Checks.
func Check(cfg *config.Config) error {
	_, err := Compile(cfg)
	return err
}
