package mailparse

import (
	"escalationd/vocab"
	"fmt"
	"strings"
)

// interpretation collects the outcome of reading one template.
type interpretation struct {
	res     *Result
	kind    vocab.Kind
	fields  map[string]any
	errs    []FieldError
	missing bool
	warn    func(string)
}

// interpret fills res from a template mail of the given kind: Fields with
// the values as written, the normalised top-level fields, and Errors for
// every required field that is missing or invalid.
func interpret(res *Result, kind vocab.Kind, si subjectInfo, sc *scan, warn func(string)) {
	in := &interpretation{res: res, kind: kind, fields: map[string]any{}, warn: warn}
	res.Kind = kind
	for key, f := range sc.fields {
		if key == "escalation" || key == "subject" || f.value == "" || isPlaceholder(f.value) {
			continue
		}
		name := key
		if key == "urgency" && kind == vocab.KindManagement {
			name = "urgency_reason"
		}
		if key == "steps_to_reproduce" {
			if steps := parseSteps(f.value); len(steps) > 0 {
				in.fields[name] = steps
			}
			continue
		}
		in.fields[name] = f.value
	}
	if kind == vocab.KindSeniorSupport {
		if sc.sTicket != "" && !isPlaceholder(sc.sTicket) {
			in.fields["ticket"] = sc.sTicket
		}
		if sc.sCust != "" && !isPlaceholder(sc.sCust) {
			in.fields["customer"] = sc.sCust
		}
		if sc.greeting != "" && !isPlaceholder("["+sc.greeting+"]") {
			in.fields["name"] = sc.greeting
		}
	}
	if kind == vocab.KindEngineering && si.kind == vocab.KindEngineering && si.rest != "" && !isPlaceholder(si.rest) {
		in.fields["brief_description"] = si.rest
	}

	in.ticket(si, sc)
	in.customer(sc)
	in.urgency(sc)
	in.usersAffected(sc)
	if kind == vocab.KindManagement {
		in.issueType(si, sc)
	}
	for _, key := range []string{"issue", "description", "summary"} {
		if contains(required[kind], key) {
			v, ph := sc.value(key)
			if v == "" || ph {
				in.fail(key, v, ph)
			}
		}
	}
	if len(in.fields) > 0 {
		res.Fields = in.fields
	}
	if len(in.errs) > 0 {
		// Errors in template order.
		order := required[kind]
		sorted := make([]FieldError, 0, len(in.errs))
		for _, k := range order {
			for _, e := range in.errs {
				if e.Field == k {
					sorted = append(sorted, e)
				}
			}
		}
		res.Errors = sorted
		res.Disposition = DispositionRejected
		res.Reason = ReasonInvalidFields
		if in.missing {
			res.Reason = ReasonMissingFields
		}
	} else {
		res.Disposition = DispositionCase
	}
}

// value returns a labelled field's value and whether it is a placeholder.
func (sc *scan) value(key string) (string, bool) {
	f, ok := sc.fields[key]
	if !ok {
		return "", false
	}
	return f.value, isPlaceholder(f.value)
}

func (in *interpretation) fail(key, got string, ph bool) {
	if !contains(required[in.kind], key) {
		if got != "" && !ph {
			in.warn(fmt.Sprintf("%s ignored: %s", specs[key].label, fieldError(in.kind, key, got, ph).Message))
		}
		return
	}
	if got == "" || ph {
		in.missing = true
	}
	in.errs = append(in.errs, fieldError(in.kind, key, got, ph))
}

func (in *interpretation) ticket(si subjectInfo, sc *scan) {
	var cands []string
	if in.kind == vocab.KindSeniorSupport {
		cands = append(cands, sc.sTicket)
	}
	if si.kind == vocab.KindEscalation {
		cands = append(cands, si.rest)
	}
	if f, ok := sc.fields["escalation"]; ok {
		cands = append(cands, f.value)
	}
	if f, ok := sc.fields["ticket"]; ok {
		cands = append(cands, f.value)
	}
	first, firstPH := "", false
	for _, c := range cands {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if isPlaceholder(c) || isPlaceholder(firstWord(c)) {
			if first == "" {
				first, firstPH = c, true
			}
			continue
		}
		id, ok := parseTicket(c)
		if ok {
			if in.res.Ticket != "" && !strings.EqualFold(in.res.Ticket, id) {
				in.warn(fmt.Sprintf("ticket %s also given as %s: using the first", quoteValue(in.res.Ticket), quoteValue(id)))
			}
			if in.res.Ticket == "" {
				in.res.Ticket = cleanLine(id)
			}
			continue
		}
		if first == "" || firstPH {
			first, firstPH = c, false
		}
	}
	if in.res.Ticket == "" {
		in.fail("ticket", first, firstPH)
	}
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func (in *interpretation) customer(sc *scan) {
	raw, ph := sc.value("customer")
	if in.kind == vocab.KindSeniorSupport && sc.sCust != "" {
		raw, ph = sc.sCust, isPlaceholder(sc.sCust)
	}
	if raw == "" || ph {
		in.fail("customer", raw, ph)
		return
	}
	addr, name, bad := parseCustomer(raw)
	switch {
	case addr != "":
		in.res.Customer = cleanLine(addr)
	case in.kind == vocab.KindManagement && name != "" && !bad:
		in.res.Customer = cleanLine(name)
	default:
		in.fail("customer", raw, false)
	}
}

func (in *interpretation) urgency(sc *scan) {
	key := "urgency"
	if in.kind == vocab.KindEngineering {
		key = "severity"
	}
	raw, ph := sc.value(key)
	if raw == "" && in.kind != vocab.KindManagement {
		// Agents mix up the two words: take the other one when present.
		other := map[string]string{"urgency": "severity", "severity": "urgency"}[key]
		if v, p := sc.value(other); v != "" && !p {
			if _, ok := parseLevel(v); ok {
				in.warn(fmt.Sprintf("%s taken from %s", specs[key].label, specs[other].label))
				raw, ph = v, false
			}
		}
	}
	if in.kind == vocab.KindManagement {
		// "Urgency: [Why this needs attention]" is a reason; a level
		// leading it is lifted.
		if l, ok := parseLevel(raw); ok && !ph {
			in.res.Urgency = l
		}
		return
	}
	if raw == "" || ph {
		in.fail(key, raw, ph)
		return
	}
	l, ok := parseLevel(raw)
	if !ok {
		in.fail(key, raw, false)
		return
	}
	in.res.Urgency = l
}

func (in *interpretation) usersAffected(sc *scan) {
	for _, key := range []string{"users_affected", "impact"} {
		if v, ph := sc.value(key); v != "" && !ph {
			if n := parseUsers(v); n != nil {
				in.res.UsersAffected = n
				return
			}
		}
	}
}

func (in *interpretation) issueType(si subjectInfo, sc *scan) {
	raw, ph := sc.value("issue_type")
	var subj string
	if si.kind == vocab.KindManagement && !isPlaceholder(si.rest) {
		subj = si.rest
	}
	if _, ok := in.fields["issue_type"]; !ok && subj != "" {
		in.fields["issue_type"] = subj
	}
	for _, c := range []string{raw, subj} {
		if c == "" || isPlaceholder(c) {
			continue
		}
		if t, ok := parseIssueType(c); ok {
			in.res.IssueType = t
			return
		}
	}
	switch {
	case raw != "" && !ph:
		in.fail("issue_type", raw, false)
	case subj != "":
		in.fail("issue_type", subj, false)
	default:
		in.fail("issue_type", raw, ph)
	}
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
