package cli

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

const (
	roy   = "roy@craudiovizai.com"
	cindy = "cindy@craudiovizai.com"
)

func bugReport(t *testing.T, ticket, severity, title string) string {
	return writeMail(t, ticket+".eml", fmt.Sprintf(`Authentication-Results: mx.craudiovizai.com; dmarc=pass header.from=craudiovizai.com
From: Alice Agent <alice.agent@craudiovizai.com>
To: escalations@craudiovizai.com
Subject: BUG - %s
Message-ID: <%s@agent.craudiovizai.com>
Date: Sat, 28 Nov 2026 03:00:00 -0500
Content-Type: text/plain; charset=utf-8

Ticket: %s
Severity: %s
Users Affected: 40

Description:
The email marketing integration stops syncing contacts after 100 entries.

Steps to Reproduce:
1. Connect the integration
2. Import 150 contacts
3. Open the contact list

Expected: 150 contacts
Actual: 100 contacts
`, title, ticket, ticket, severity))
}

// A week of mixed cases, nobody answering (issue 12): management hears
// only of the Critical, legal, media and major-outage ones; the CMO only of
// the partnership; nothing else climbs out of its tier.
func TestWeekOfMixedCasesReachesManagementOnlyWhenItShould(t *testing.T) {
	mails := simulate(t, helpdesk, 7*24*time.Hour, nil,
		generic(t, "WK-1", "Critical", "Payment processing down for every customer"),
		generic(t, "WK-2", "High", "Refund outside policy requires approval: annual plan cancelled after 40 days"),
		generic(t, "WK-3", "Medium", "Bug: the CSV export drops the last row of every report"),
		generic(t, "WK-4", "Low", "Feature request: dark mode for the editor"),
		generic(t, "WK-5", "High", "The customer says their lawyer is preparing a lawsuit over the lost data"),
		generic(t, "WK-6", "Medium", "A journalist from a newspaper asks about the pricing change"),
		generic(t, "WK-7", "Low", "A reseller proposes a partnership for the EU market"),
		bugReport(t, "WK-8", "High", "Email marketing integration drops contacts"),
	)
	toRoy, toCindy, incidents := map[string]int{}, map[string]int{}, map[string]int{}
	for _, m := range mails {
		all := append(slices.Clone(m.To), m.Cc...)
		if m.Event == "backlog-digest" {
			// The daily backlog of a team (the partnership is Low: the
			// CMO's digest lists it); it names no single ticket.
			m.Ticket = "digest"
		}
		if slices.Contains(all, roy) {
			toRoy[m.Ticket]++
		}
		if slices.Contains(all, cindy) {
			toCindy[m.Ticket]++
		}
		if m.Event == "incident" {
			incidents[m.Ticket]++
		}
	}
	t.Logf("mail to management per case: %v; to the CMO: %v; incident notices: %v", toRoy, toCindy, incidents)
	for _, ticket := range []string{"WK-1", "WK-5", "WK-6"} {
		if toRoy[ticket] == 0 {
			t.Errorf("%s: management never heard of it", ticket)
		}
	}
	for _, ticket := range []string{"WK-2", "WK-3", "WK-4", "WK-7", "WK-8"} {
		if toRoy[ticket] != 0 {
			t.Errorf("%s: %d mails to management, want none", ticket, toRoy[ticket])
		}
	}
	for ticket, n := range toCindy {
		if ticket != "WK-7" && ticket != "digest" {
			t.Errorf("%s: %d mails to the CMO, want none", ticket, n)
		}
	}
	if toCindy["WK-7"] == 0 {
		t.Error("the partnership never reached the CMO")
	}
	if !maps1(incidents, "WK-1") {
		t.Errorf("incident notices %v, want one, for the Critical outage only", incidents)
	}
	// The counts of the example config, held so a policy change shows here:
	// the Critical outage keeps management informed every 30 minutes until
	// someone answers (repeat); the legal threat and the media inquiry
	// are copied on routing and climb to management when unanswered.
	want := map[string]int{"WK-1": 339, "WK-5": 5, "WK-6": 5}
	for ticket, n := range want {
		if toRoy[ticket] != n {
			t.Errorf("%s: %d mails to management, want %d", ticket, toRoy[ticket], n)
		}
	}
}

// maps1 reports whether m counts exactly one for key and nothing else.
func maps1(m map[string]int, key string) bool { return len(m) == 1 && m[key] == 1 }

// Critical legal, media and fraud cases send no incident notice: the
// incident list is for outages, and their summaries are confidential.
func TestCriticalConfidentialCasesSendNoIncident(t *testing.T) {
	mails := simulate(t, helpdesk, time.Minute, nil,
		generic(t, "CF-1", "Critical", "The customer's lawyer announces a lawsuit"),
		generic(t, "CF-2", "Critical", "A journalist asks about the breach rumour for a news story"),
		generic(t, "CF-3", "Critical", "Fraud detected: stolen credit cards on forty accounts"),
		generic(t, "CF-4", "Critical", "Complete outage of the editor"),
	)
	for _, m := range mails {
		if m.Event == "incident" && m.Ticket != "CF-4" {
			t.Errorf("%s sent an incident notice: %+v", m.Ticket, m)
		}
	}
	if !slices.ContainsFunc(mails, func(m SimulatedMail) bool { return m.Event == "incident" && m.Ticket == "CF-4" }) {
		t.Errorf("the outage sent no incident notice: %v", timeline(mails))
	}
}

// REASSIGN gives an ordinary case the chain of its new team (engineering:
// engineering's lead), while a legal case keeps climbing to management.
func TestReassignedCaseClimbsItsNewTeamsChain(t *testing.T) {
	mails := simulate(t, helpdesk, 8*time.Hour, []string{"10m:sam.senior@craudiovizai.com:REASSIGN engineering"},
		generic(t, "RA-1", "Medium", "Export feature not working correctly"))
	var toCasey, toRiley int
	for _, m := range mails {
		if m.Event != "breach" {
			continue
		}
		all := append(slices.Clone(m.To), m.Cc...)
		if slices.Contains(all, "casey.morgan@craudiovizai.com") {
			toCasey++
		}
		if slices.Contains(all, "riley.brooks@craudiovizai.com") || slices.Contains(all, roy) {
			toRiley++
		}
	}
	if toCasey == 0 || toRiley != 0 {
		t.Errorf("breaches to engineering's lead %d, to senior support's lead or management %d: %v", toCasey, toRiley, timeline(mails))
	}

	mails = simulate(t, helpdesk, 3*time.Hour, []string{"10m:lena.ward@craudiovizai.com:REASSIGN media"},
		generic(t, "RA-2", "High", "The customer's lawyer announces a lawsuit"))
	reached := false
	for _, m := range mails {
		if m.Event == "breach" && m.At.After(simStart.Add(10*time.Minute)) && slices.Contains(append(slices.Clone(m.To), m.Cc...), roy) {
			reached = true
		}
	}
	if !reached {
		t.Errorf("the reassigned legal case no longer climbs to management: %v", timeline(mails))
	}
}
