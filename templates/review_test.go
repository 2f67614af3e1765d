package templates

import (
	"strings"
	"testing"
)

// The HTML review is the text's tables, escaped: a summary written by an
// agent cannot become markup.
func TestReviewHTML(t *testing.T) {
	r := sampleReview()
	r.Breaches[0].Summary = `Export <script>alert("x")</script> broken`
	html, err := ReviewHTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2", "Weekly escalation review: Mon 23 Nov - Sun 29 Nov 2026", "<td>product-bug</td>",
		"TCK-4242, TCK-4250, TCK-4261", "&lt;script&gt;", "Customer satisfaction: 4.3", "<td>Critical</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML review lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("HTML review lets markup through:\n%s", html)
	}
}
