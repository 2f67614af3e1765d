package mailparse

import (
	"escalationd/vocab"
	"reflect"
	"testing"
)

func TestParseTicket(t *testing.T) {
	tests := []struct {
		in, id string
		ok     bool
	}{
		{"[TCK-1234]", "TCK-1234", true},
		{"TCK-1234", "TCK-1234", true},
		{"#48213", "48213", true},
		{"[#48213]", "48213", true},
		{"SUP-2026-0042", "SUP-2026-0042", true},
		{"TCK-1234 (reopened)", "TCK-1234", true},
		{"**TCK-1234**", "TCK-1234", true},
		{"TCK-1234.", "TCK-1234", true},
		{"[TCK-1234] [Critical] Payment processing down", "TCK-1234", true},
		{"v1.2_rc-3", "v1.2_rc-3", true},
		{"[TCK 12/34]", "TCK 12/34", false},
		{"Payment", "Payment", false}, // no digit
		{"", "", false},
		{"TCK-" + string(make([]byte, 0)) + "1234567890123456789012345678901234567890123456789012345678901", "", false},
		{"TCK/1", "TCK/1", false},
	}
	for _, tt := range tests {
		id, ok := parseTicket(tt.in)
		if ok != tt.ok || (tt.id != "" && id != tt.id) {
			t.Errorf("parseTicket(%q) = %q, %v; want %q, %v", tt.in, id, ok, tt.id, tt.ok)
		}
	}
}

func TestParseLevel(t *testing.T) {
	tests := map[string]string{
		"Critical": "critical", "critical - payment processing down": "critical", "HIGH!!": "high",
		"[High]": "high", "Medium": "medium", "med": "medium", "low": "low", "P1": "critical",
		"p2 - soon": "high", "Sev 1": "critical", "SEV-3": "medium", "sev4": "low", "**Critical**": "critical",
		"(high)": "high",
		"ASAP":   "", "urgent": "", "": "", "Highest": "", "P5": "", "[Low/Medium/High/Critical]": "low",
	}
	for in, want := range tests {
		got, ok := parseLevel(in)
		if string(got) != want || ok != (want != "") {
			t.Errorf("parseLevel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestParseUsers(t *testing.T) {
	tests := map[string]int{
		"~250": 250, "1,200": 1200, "about 40 users": 40, "250+": 250, "250+ users": 250,
		"3 enterprise accounts (~1,200 users)": 1200, "2k": 2000, "12": 12, "1,2345": 1,
		"all": -1, "unknown": -1, "": -1, "v2 users": -1, "12345678901 users": -1,
	}
	for in, want := range tests {
		got := parseUsers(in)
		switch {
		case want < 0 && got != nil:
			t.Errorf("parseUsers(%q) = %d, want nil", in, *got)
		case want >= 0 && (got == nil || *got != want):
			t.Errorf("parseUsers(%q) = %v, want %d", in, got, want)
		}
	}
}

func TestParseIssueType(t *testing.T) {
	tests := map[string]string{
		"Legal": "legal", "legal threat": "legal", "MEDIA": "media", "Media inquiry": "media",
		"Security": "security", "Data breach": "security", "Data breach suspected": "security",
		"Major Outage": "major_outage", "major service outage": "major_outage", "major_outage": "major_outage",
		"Major-Outage": "major_outage", "[Legal]": "legal", "Legal - customer threatens lawsuit": "legal",
		"Security (possible breach)": "security",
		"Fraud":                      "fraud", "Fraud detected": "fraud", "Partnership": "marketing", "Billing": "", "Legal/Media": "", "": "", "[Legal/Media/Security/Major Outage]": "",
	}
	for in, want := range tests {
		got, ok := parseIssueType(in)
		if string(got) != want || ok != (want != "") {
			t.Errorf("parseIssueType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestParseCustomer(t *testing.T) {
	tests := []struct {
		in, addr, name string
		bad            bool
	}{
		{"alice@example.com", "alice@example.com", "", false},
		{"Alice.Smith@Example.COM", "alice.smith@example.com", "", false},
		{"Alice Smith <alice@example.com>", "alice@example.com", "", false},
		{"[alice@example.com]", "alice@example.com", "", false},
		{"alice@example.com<mailto:alice@example.com>", "alice@example.com", "", false},
		{"john.doe@example.com.", "john.doe@example.com", "", false},
		{"mailto:alice@example.com", "alice@example.com", "", false},
		{"jane@mail-1.example.co.uk", "jane@mail-1.example.co.uk", "", false},
		{"jane@bücher.example", "jane@bücher.example", "", false},
		{"jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example", "", false},
		{"Acme Corp (Jane Roe)", "", "Acme Corp (Jane Roe)", false},
		{"alice at example dot com", "", "alice at example dot com", false},
		// Written as an address, but not a valid one: the field's error.
		{"alice@localhost", "", "alice@localhost", true},
		{"jane@exa%mple.com", "", "jane@exa%mple.com", true},
		{"jane%example.com@relay.example", "", "jane%example.com@relay.example", true},
		{"jane@example.com%0a", "", "jane@example.com%0a", true},
		{"jane@example.com%0D%0ABcc: x@evil.example", "", "jane@example.com%0D%0ABcc: x@evil.example", true},
		{"jane@-example.com", "", "jane@-example.com", true},
		{"jane@example-.com", "", "jane@example-.com", true},
		{"jane@exam_ple.com", "", "jane@exam_ple.com", true},
		{"jane@example..com", "", "jane@example..com", true},
		{"jane@1.2.3.4", "", "jane@1.2.3.4", true},
		{"jane@[192.0.2.1]", "", "jane@[192.0.2.1]", true},
		{"jane@xn--zz.example", "", "jane@xn--zz.example", true},
		{"jane@exa\u0007mple.com", "", "jane@exa\u0007mple.com", true},
	}
	for _, tt := range tests {
		addr, name, bad := parseCustomer(tt.in)
		if addr != tt.addr || (!tt.bad && name != tt.name) || bad != tt.bad {
			t.Errorf("parseCustomer(%q) = %q, %q, %v; want %q, %q, %v", tt.in, addr, name, bad, tt.addr, tt.name, tt.bad)
		}
	}
}

func TestParseSteps(t *testing.T) {
	tests := map[string][]string{
		"1. Open\n2) Add item\n   to cart\n3. Pay": {"Open", "Add item to cart", "Pay"},
		"- Open\n- Pay":                           {"Open", "Pay"},
		"Step 1: Open\nStep 2: Pay":               {"Open", "Pay"},
		"Open the page\nClick pay":                {"Open the page", "Click pay"},
		"1. [step]\n2. [step]\n3. [step]":         nil,
		"1.5 GB upload fails\nthen retry":         {"1.5 GB upload fails", "then retry"},
		"(1) Open\n(2) Pay\nnote: only on Safari": {"Open", "Pay note: only on Safari"},
	}
	for in, want := range tests {
		got := parseSteps(in)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("parseSteps(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSubject(t *testing.T) {
	tests := []struct {
		in         string
		reply, fwd bool
		kind       vocab.Kind
		rest       string
	}{
		{"ESCALATION: [TCK-1234]", false, false, vocab.KindEscalation, "[TCK-1234]"},
		{"Re: ESCALATION: [TCK-1234] [Critical] Payment processing down", true, false, vocab.KindEscalation, "[TCK-1234] [Critical] Payment processing down"},
		{"RE: AW: SV: Antw: Re[2]: ESCALATION: [TCK-1]", true, false, vocab.KindEscalation, "[TCK-1]"},
		{"[EXTERNAL] RE: ESCALATION: [TCK-1]", true, false, vocab.KindEscalation, "[TCK-1]"},
		{"EXT: Re: escalation: tck-1", true, false, vocab.KindEscalation, "tck-1"},
		{"Fwd: FW: ESCALATION - Legal", false, true, vocab.KindManagement, "Legal"},
		{"ESCALATION – Major Outage", false, false, vocab.KindManagement, "Major Outage"},
		{"BUG - Checkout broken", false, false, vocab.KindEngineering, "Checkout broken"},
		{"bug: Checkout broken", false, false, vocab.KindEngineering, "Checkout broken"},
		{"Bugfix released", false, false, "", ""},
		{"ESCALATIONS weekly report", false, false, "", ""},
		{"Re: lunch", true, false, "", ""},
	}
	for _, tt := range tests {
		si := parseSubject(tt.in)
		if si.reply != tt.reply || si.forward != tt.fwd || si.kind != tt.kind || si.rest != tt.rest {
			t.Errorf("parseSubject(%q) = %+v", tt.in, si)
		}
	}
}

func TestLabelOf(t *testing.T) {
	tests := map[string][2]string{
		"Customer: a@b.co":                  {"customer", "a@b.co"},
		"**Customer:** a@b.co":              {"customer", "a@b.co"},
		"**Customer**: a@b.co":              {"customer", "a@b.co"},
		"*Issue*: broken":                   {"issue", "broken"},
		"__Urgency:__ **Critical**":         {"urgency", "Critical"},
		"- Issue: broken":                   {"issue", "broken"},
		"• customer :   a@b.co":             {"customer", "a@b.co"},
		"  STEPS TO REPRODUCE:":             {"steps_to_reproduce", ""},
		"Customer expecting update by: 5pm": {"customer_expecting_update_by", "5pm"},
		"Users  Affected : 40":              {"users_affected", "40"},
		"https://example.com/x":             {"", ""},
		"Note: call back":                   {"", ""},
	}
	for in, want := range tests {
		key, _, rest, ok := labelOf(in)
		if key != want[0] || rest != want[1] || ok != (want[0] != "") {
			t.Errorf("labelOf(%q) = %q, %q, %v; want %q", in, key, rest, ok, want)
		}
	}
}
