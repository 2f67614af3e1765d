// Package mailtest provides mail servers and fixtures for escalationd's tests
// and benchmark tool: an in-process IMAP server (go-imap's imapmemserver), an
// in-process SMTP sink with failure injection (go-smtp), harnesses that run
// real Dovecot and Mailpit processes, and builders for escalation mails.
//
// It is imported only from _test.go files and from the benchmark tool
// (cmd/escalationd-bench), never from production code.
//
// # Which server to use
//
// Unit tests use the in-process servers: [StartIMAPMem] and [StartSMTPSink]
// start in about a millisecond, need nothing installed and can simulate
// outages ([IMAPMem.SetDown], [SMTPSink.SetDown]) and SMTP errors
// ([SMTPSink.FailNext]). End-to-end tests use the real servers:
// [StartDovecot] (IMAP, with UIDVALIDITY changes, CONDSTORE and the real
// IDLE timing) and [StartMailpit] (SMTP with a REST API).
//
// Everything listens on 127.0.0.1 only, on a free port, and is stopped and
// deleted through t.Cleanup. Readiness is polled with a deadline; a server
// that does not come up fails the test with the tail of its log.
//
// # Faults between client and server
//
// [StartProxy] puts a TCP proxy in front of any of these servers: it
// forwards, refuses connections, hangs them (a server that never answers)
// or cuts them, also after a given number of response bytes
// ([Proxy.CutAfter]), which ends a FETCH in the middle. [NewSelfSigned]
// makes a certificate for TLS tests ([IMAPMemOptions.TLS],
// [SMTPSinkOptions.TLS]) that clients must refuse unless told to trust
// it.
//
// # Missing servers
//
// The Dovecot and Mailpit starters call [Require]: when the binary is not
// installed the test is skipped with the command that installs it, except
// when the environment variable CI is "true", where it fails instead, so CI
// never passes by skipping.
//
// Programs that are not tests (the benchmark tool) use the entry points
// that return errors instead of taking a testing.TB: [LaunchDovecot] and
// [LaunchMailpit] (the caller must Close the instance), [Dovecot.SetUser],
// [Dovecot.AppendAll], [Mailpit.Total] and [Mailpit.Clear]. They report a
// missing server with the command that installs it, whatever CI says.
//
// # One Dovecot per package
//
// Starting Dovecot takes ~50 ms but stopping it takes 1–3 s. A package with
// many Dovecot tests shares one instance, started on first use, and gives
// each test its own user so the tests cannot see each other's mail:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		mailtest.StopShared() // stops the shared servers, removes their files
//		os.Exit(code)
//	}
//
//	func TestPoll(t *testing.T) {
//		d := mailtest.SharedDovecot(t)
//		user := d.NewUser(t) // fresh user, password "secret"
//		d.Append(t, user, "INBOX", mailtest.Escalation(mailtest.EscalationOpts{}))
//		...
//	}
//
// Tests that stop or restart the server (outage tests) or need special
// options such as [DovecotOptions.DisableMove] start their own instance with
// [StartDovecotWith].
package mailtest
