package router

import (
	"strings"
	"unicode"
)

// phrases indexes every keyword of every category and route by its first
// word, so one pass over the subject and text finds all of them.
//
// A keyword matches on word boundaries, case-insensitively: words are runs
// of letters and digits, so "sue" does not match "issue", "data breach"
// matches "Data\n  breach" and "data-breach", and "co-marketing" is the
// phrase "co marketing".
type phrases struct {
	list    []phrase
	byFirst map[string][]int
}

type phrase struct {
	keyword string   // as written in the config
	words   []string // lowercased
}

// add registers a keyword and returns its id; the same keyword (by words)
// gets the same id.
func (p *phrases) add(keyword string) int {
	words := splitWords(keyword)
	key := strings.Join(words, " ")
	if p.byFirst == nil {
		p.byFirst = map[string][]int{}
	}
	if len(words) > 0 {
		for _, id := range p.byFirst[words[0]] {
			if strings.Join(p.list[id].words, " ") == key {
				return id
			}
		}
	}
	p.list = append(p.list, phrase{keyword: keyword, words: words})
	id := len(p.list) - 1
	if len(words) > 0 { // a keyword without words never matches (Compile rejects it)
		p.byFirst[words[0]] = append(p.byFirst[words[0]], id)
	}
	return id
}

// Where a keyword was found: a bit set, as it may be in both.
const (
	notFound  uint8 = 0
	inSubject uint8 = 1 << iota
	inText
)

// scan returns, per phrase id, where it was found (inSubject|inText).
func (p *phrases) scan(subject, text string) []uint8 {
	found := make([]uint8, len(p.list))
	if len(p.list) == 0 {
		return found
	}
	p.scanInto(found, subject, inSubject)
	p.scanInto(found, text, inText)
	return found
}

func (p *phrases) scanInto(found []uint8, s string, where uint8) {
	words := splitWords(s)
	for i, w := range words {
		for _, id := range p.byFirst[w] {
			if found[id]&where == 0 && hasPrefixWords(words[i:], p.list[id].words) {
				found[id] |= where
			}
		}
	}
}

func hasPrefixWords(words, prefix []string) bool {
	if len(words) < len(prefix) {
		return false
	}
	for i, w := range prefix {
		if words[i] != w {
			return false
		}
	}
	return true
}

// splitWords lowercases s and splits it into runs of letters and digits.
func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
