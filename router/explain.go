package router

import (
	"fmt"
	"strings"
)

// explain writes the decision for people, one reason a line:
//
//	rule: critical, special > legal, tier2
//	  critical (urgency critical)
//	  special > legal (special: category legal; legal: category legal)
//	  tier2 (matches every case; no child route matched)
//	categories:
//	  legal: keyword "lawsuit" in text
//	to:
//	  drew@example.com (Drew Patel, team oncall): on call in ...
//	flags: confidential
//	notes:
//	  - Escalated to Legal
func (r *Router) explain(d *Decision, hits []hit, p *input) string {
	var b strings.Builder
	if len(hits) == 0 {
		b.WriteString("rule: no route matched: the case reaches nobody\n")
	} else {
		fmt.Fprintf(&b, "rule: %s\n", d.Rule)
		for _, h := range hits {
			leaf := h.chain[len(h.chain)-1]
			var why []string
			for _, rt := range h.chain {
				w := strings.Join(r.describe(rt, p), ", ")
				if len(h.chain) > 1 {
					w = rt.name + ": " + w
				}
				why = append(why, w)
			}
			if h.fallback {
				why[len(why)-1] += "; no child route matched"
			}
			fmt.Fprintf(&b, "  %s (%s)\n", leaf.path, strings.Join(why, "; "))
		}
	}
	if len(d.Categories) > 0 {
		b.WriteString("categories:\n")
		for _, c := range d.Categories {
			fmt.Fprintf(&b, "  %s: %s\n", c.Name, strings.Join(c.Evidence, ", "))
		}
	} else {
		b.WriteString("categories: none\n")
	}
	for _, c := range d.Excluded {
		fmt.Fprintf(&b, "  not %s: %s excludes its keywords\n", c.Name, strings.TrimPrefix(c.Evidence[0], "keyword "))
	}
	for _, field := range []string{"to", "cc", "incident"} {
		var lines []string
		for _, rc := range d.Recipients {
			if rc.Field != field {
				continue
			}
			who := "team " + rc.Team
			if rc.Name != "" {
				who = rc.Name + ", " + who
			}
			line := fmt.Sprintf("  %s (%s)", rc.Address, who)
			if rc.Why != "team "+rc.Team {
				line += ": " + rc.Why
			}
			lines = append(lines, line)
		}
		if len(lines) == 0 {
			if field == "to" {
				b.WriteString("to: nobody\n")
			}
			continue
		}
		fmt.Fprintf(&b, "%s:\n%s\n", field, strings.Join(lines, "\n"))
	}
	if d.IncidentWithheld {
		b.WriteString("incident: none: a confidential case sends no incident notice\n")
	}
	fmt.Fprintf(&b, "flags: %s\n", d.Flags)
	if d.Chain != nil || d.TopReminders != nil {
		chain := "the urgency's"
		if d.Chain != nil {
			chain = strings.Join(d.Chain, " > ")
		}
		if d.TopReminders != nil {
			chain += fmt.Sprintf(", %d top reminders", *d.TopReminders)
		}
		fmt.Fprintf(&b, "breach chain: %s (%s)\n", chain, d.ChainFrom)
	}
	list := func(name string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s:\n", name)
		for _, s := range items {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	list("notes", d.Notes)
	list("actions", d.Actions)
	return strings.TrimSuffix(b.String(), "\n")
}

// describe says which value made each matcher of rt match.
func (r *Router) describe(rt *route, p *input) []string {
	var out []string
	if rt.kinds != nil {
		out = append(out, "kind "+p.kind)
	}
	if rt.urgencies != nil {
		out = append(out, "urgency "+p.urgency)
	}
	if rt.mailboxes != nil {
		out = append(out, "mailbox "+p.mailbox)
	}
	if rt.issueTypes != nil {
		out = append(out, "issue type "+p.issueType)
	}
	for _, c := range rt.categories {
		if p.cats[c] {
			out = append(out, "category "+c)
		}
	}
	for _, s := range rt.senders {
		if p.senderIs(s) {
			out = append(out, "sender "+s)
			break
		}
	}
	for _, id := range rt.keywords {
		if w := p.found[id]; w != notFound {
			out = append(out, r.keywordEvidence(id, w))
			break
		}
	}
	if len(out) == 0 {
		return []string{"matches every case"}
	}
	return out
}

// String lists the flags that are set: "confidential, approval_required",
// or "none".
func (f Flags) String() string {
	var set []string
	if f.Confidential {
		set = append(set, "confidential")
	}
	if f.ApprovalRequired {
		set = append(set, "approval_required")
	}
	if f.SuspendAccount {
		set = append(set, "suspend_account")
	}
	if len(set) == 0 {
		return "none"
	}
	return strings.Join(set, ", ")
}
