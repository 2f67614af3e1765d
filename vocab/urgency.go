package vocab

import (
	"slices"
	"strings"
)

// Urgency is a case's urgency level, as the helpdesk reference names them.
type Urgency string

// The urgency levels.
const (
	Low      Urgency = "low"
	Medium   Urgency = "medium"
	High     Urgency = "high"
	Critical Urgency = "critical"
)

// Urgencies lists the levels in ascending order: an urgency's rank is its
// index here.
var Urgencies = []Urgency{Low, Medium, High, Critical}

// urgencyAliases are the other words agents write for a level (lower case):
// Med, and the P1–P4 and Sev1–Sev4 scales.
var urgencyAliases = map[string]Urgency{
	"med": Medium,
	"p1":  Critical, "p2": High, "p3": Medium, "p4": Low,
	"sev1": Critical, "sev2": High, "sev3": Medium, "sev4": Low,
}

// ParseUrgency reads one word (any case): a level's name or one of its
// aliases.
func ParseUrgency(word string) (Urgency, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	if u := Urgency(w); u.Valid() {
		return u, true
	}
	u, ok := urgencyAliases[w]
	return u, ok
}

// Valid reports whether u is one of Urgencies.
func (u Urgency) Valid() bool { return slices.Contains(Urgencies, u) }

// Rank orders urgencies: 0 for low up to 3 for critical; -1 for anything
// else.
func (u Urgency) Rank() int { return slices.Index(Urgencies, u) }

// Above reports whether u is more urgent than v.
func (u Urgency) Above(v Urgency) bool { return u.Rank() > v.Rank() }

// Title is the level as the reference writes it: "Critical".
func (u Urgency) Title() string {
	if u == "" {
		return ""
	}
	return strings.ToUpper(string(u[:1])) + string(u[1:])
}

// UrgencyNames lists the levels as strings, lowest first.
func UrgencyNames() []string { return names(Urgencies) }

// UrgenciesDescending lists the levels most urgent first (reports).
func UrgenciesDescending() []Urgency {
	out := slices.Clone(Urgencies)
	slices.Reverse(out)
	return out
}

// UrgencyTitles lists the levels as the reference writes them, lowest
// first: Low, Medium, High, Critical.
func UrgencyTitles() []string {
	out := make([]string, len(Urgencies))
	for i, u := range Urgencies {
		out[i] = u.Title()
	}
	return out
}

// UrgencyPlaceholder is the templates' blank for a level:
// "[Low/Medium/High/Critical]".
func UrgencyPlaceholder() string { return "[" + strings.Join(UrgencyTitles(), "/") + "]" }
