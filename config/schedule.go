package config

import (
	"fmt"
	"slices"
	"strings"
)

// PersonFor resolves an override's person: a name from People or an address.
func (r Rotation) PersonFor(who string) (Person, bool) {
	for _, p := range r.People {
		if strings.EqualFold(p.Name, who) || strings.EqualFold(p.Address, who) {
			return p, true
		}
	}
	if validAddress(who) {
		return Person{Name: who, Address: strings.ToLower(who)}, true
	}
	return Person{}, false
}

// rotations checks names and the addresses mail may go to. The schedule's
// own rules (hand-off, gaps, overlapping overrides) live in sla.NewRotation.
func (v *validator) rotations() {
	names := map[string]bool{}
	for i, r := range v.c.Rotations {
		p := fmt.Sprintf("rotations[%d]", i)
		if r.Name == "" {
			v.add(p, "missing name")
		} else if names[r.Name] {
			v.add(p+".name", "duplicate rotation %q", r.Name)
		}
		names[r.Name] = true
		for j, person := range r.People {
			pp := fmt.Sprintf("%s.people[%d]", p, j)
			if person.Name == "" {
				v.add(pp, "missing name")
			}
			v.personName(pp+".name", person.Name)
			v.recipient(pp+".address", person.Address)
		}
		for j, o := range r.Overrides {
			// An unknown person is sla's problem (a gap); an outside
			// address must still not be one the gateway watches.
			if person, ok := r.PersonFor(o.Person); ok && !slices.Contains(r.People, person) {
				v.recipient(fmt.Sprintf("%s.overrides[%d].person", p, j), person.Address)
			}
		}
	}
}
