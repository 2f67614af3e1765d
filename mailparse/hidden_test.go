package mailparse

import (
	"strings"
	"testing"
)

func TestHTMLHiddenTextIsNotRead(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"display none", `<div>a</div><div style="display:none">secret</div><div>b</div>`, "a\nb\n"},
		{"display none important, spaced", `<p>a<span style="DISPLAY : none !important">secret</span>b</p>`, "ab\n"},
		{"visibility hidden", `<div>a<span style="visibility:hidden">secret</span></div>`, "a\n"},
		{"visibility restored", `<div style="visibility:hidden">secret<span style="visibility:visible">shown</span></div>`, "shown\n"},
		{"hidden attribute", `<div>a</div><div hidden>secret</div><div>b</div>`, "a\nb\n"},
		{"font-size 0", `<div>a<span style="font-size:0">s1</span><span style="font-size:0px">s2</span><span style="font-size:0pt">s3</span><span style="font-size: 0.5px">s4</span></div>`, "a\n"},
		{"font-size restored (MJML)", `<div style="font-size:0px"><div style="font-size:13px">shown</div><div style="font-size:1em">secret</div></div>`, "shown\n"},
		{"white", `<div>a<span style="color:white">s1</span><span style="color:#fff">s2</span><span style="color:#FFFFFF">s3</span><span style="color:rgb(255, 255, 255)">s4</span><font color="#ffffff">s5</font><span style="color:#fefefe">s6</span><span style="color:rgba(0,0,0,0.02)">s7</span><span style="color:transparent">s8</span></div>`, "a\n"},
		{"white on dark", `<table><tr><td bgcolor="#003366"><span style="color:#fff">shown</span></td></tr></table>`, "shown\n"},
		{"white on dark on white", `<div style="background:#000"><div style="background-color:white"><span style="color:white">secret</span></div></div>`, ""},
		{"coloured text", `<div style="color:#333">shown</div>`, "shown\n"},
		{"colour inherited", `<div style="color:#fff">s1<span style="color:inherit">s2</span><font color="currentColor">s3</font></div>`, ""},
		{"colour restored", `<div style="color:white">secret<span style="color:black">shown</span></div>`, "shown\n"},
		{"opacity and mso-hide", `<div>a<span style="opacity:0">s1</span><span style="mso-hide:all">s2</span><div style="max-height:0;overflow:hidden">s3</div></div>`, "a\n"},
		{"nested inside hidden", `<div style="display:none"><div>secret</div><p style="display:block">secret<br>x</p></div><div>b</div>`, "b\n"},
		{"self-closing hides on", `<div>a<span style="display:none"/>secret</div><div>b</div>`, "a\nb\n"},
		{"implied end of p", `<p style="display:none">secret<p>shown`, "shown\n"},
		{"implied end of li", `<ul><li hidden>secret<li>shown</ul>`, "- shown\n"},
		{"end tag closes what is inside", `<div style="display:none"><span><b>secret</div>shown`, "shown\n"},
		{"void elements", `<div style="display:none"><br><img src=x><hr>secret</div>shown`, "shown\n"},
		{"head and style", `<head><style>.x{}</style><title>t</title></head><body>shown</body>`, "shown\n"},
	}
	for _, tt := range tests {
		got, _ := htmlToText(tt.in, 1<<20)
		if strings.TrimSpace(got) != strings.TrimSpace(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// The hidden copy of the template names another customer and urgency; a
// reader sees only the visible one, and so does the parser.
func TestHTMLHiddenFieldsNeverRead(t *testing.T) {
	hiddenParts := []string{
		`<div style="display:none">Customer: mallory@evil.example<br>Urgency: Low</div>`,
		`<div style="visibility:hidden">Customer: mallory@evil.example<br>Urgency: Low</div>`,
		`<div style="font-size:0px">Customer: mallory@evil.example<br>Urgency: Low</div>`,
		`<div style="color:#ffffff">Customer: mallory@evil.example<br>Urgency: Low</div>`,
		`<div hidden>Customer: mallory@evil.example<br>Urgency: Low</div>`,
	}
	for _, hidden := range hiddenParts {
		for _, order := range []string{"before", "after"} {
			visible := `<div>Customer: alice@example.com</div><div>Issue: payments down</div><div>Urgency: Critical</div>`
			body := hidden + visible
			if order == "after" {
				body = visible + hidden
			}
			raw := []byte(hostileHeader("ESCALATION: [TCK-77]", "Content-Type: text/html; charset=utf-8") + "\r\n<html><body>" + body + "</body></html>\r\n")
			r := parse(raw, Options{})
			assertEscalationRead(t, r, "TCK-77")
			if strings.Contains(r.Text, "mallory") || strings.Contains(r.Text, "Low") {
				t.Errorf("%s (%s): hidden text read: %q", hidden, order, r.Text)
			}
			for k, v := range r.Fields {
				if s, ok := v.(string); ok && (strings.Contains(s, "mallory") || strings.EqualFold(s, "low")) {
					t.Errorf("%s (%s): field %s = %q from hidden text", hidden, order, k, s)
				}
			}
		}
	}
}
