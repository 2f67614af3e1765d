package engine

import (
	"fmt"
	"strconv"
	"strings"

	"escalationd/vocab"
)

// rootCause reads the text of a "Root cause:" line: a configured tag
// (reviews.root_causes) however it is written ("Product bug",
// "product_bug" → product-bug), or else the text as written, so that a
// cause nobody foresaw is not lost.
func (e *Engine) rootCause(text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return ""
	}
	norm := tagForm(text)
	for _, tag := range e.cfg.RootCauseTags() {
		if tagForm(tag) == norm {
			return tag
		}
	}
	return truncate(oneLine(text), 200)
}

func tagForm(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "-")
}

// cmdCSAT stores the customer's satisfaction on a resolved case: "CSAT 4"
// (also "CSAT 4/5"). A score out of 1-5, or a case still open, gets the
// command-error answer.
func (e *Engine) cmdCSAT(r *replyCtx) (string, error) {
	word, _, _ := strings.Cut(firstWord(r.arg), "/")
	n, err := strconv.Atoi(strings.TrimRight(word, ".!"))
	if err != nil || n < vocab.CSATMin || n > vocab.CSATMax {
		return fmt.Sprintf("CSAT takes the customer's satisfaction as a number from %d (very unhappy) to %d (very happy), e.g. CSAT 4; got %q",
			vocab.CSATMin, vocab.CSATMax, r.arg), nil
	}
	if r.c.IsOpen() {
		return "the case is not resolved yet: report the customer's satisfaction after its resolution", nil
	}
	old := r.c.CSAT
	r.c.CSAT = n
	if err := r.tx.UpdateCase(r.c, r.now); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("CSAT %d by %s", n, r.addr)
	if old != 0 && old != n {
		detail += fmt.Sprintf(" (was %d)", old)
	}
	return "", r.event(vocab.EventSatisfaction, detail)
}
