package templates

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

// The HTML review is the text's tables, escaped: a summary written by an
// agent cannot become markup.
func TestReviewHTML(t *testing.T) {
	r := sampleReview()
	r.Breaches[0].Summary = `Export <script>alert("x")</script> broken`
	html, err := ReviewHTML(r, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2", "Weekly escalation review: Mon 23 Nov - Sun 29 Nov 2026", "<td>product-bug</td>",
		"TCK-4242, TCK-4250, TCK-4261", "&lt;script&gt;", "Customer satisfaction: 4.3", "<td>Critical</td>", `src="cid:review-chart@escalationd"`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML review lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("HTML review lets markup through:\n%s", html)
	}
}

// The chart is a PNG of the urgency rows.
func TestReviewChart(t *testing.T) {
	b, err := ReviewChart(sampleReview())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 360 || img.Bounds().Dy() != 160 {
		t.Errorf("chart of %v", img.Bounds())
	}
	if b, _ := ReviewChart(Review{}); b != nil {
		t.Error("a chart of nothing")
	}
}
