// Package oauth supplies OAuth2 access tokens for IMAP and SMTP logins and
// watches their health.
//
// # Sources
//
// A Source gets a token either by the refresh-token grant
// (golang.org/x/oauth2, against the Microsoft, Google or a generic token
// endpoint) or by running a configured command that prints one. It caches
// the token and fetches a new one when the cached one is within Margin of
// its expiry, so a login never presents a token about to lapse. Expiry and
// LastError report the state for `status` and metrics.
//
// # Alerts
//
// Check, called periodically with the clock's time, decides whether the
// operator must hear about the source: a failed refresh, or a token that
// expires within AlertBefore and that another fetch could not extend. The
// first notice goes out at once, later ones at a slowing rate (1h, 2h,
// 4h, … at most 24h) while the problem lasts; recovery resets the rate.
// The caller turns an Alert into the operator's mail (engine.OAuthAlert).
//
// # SASL
//
// XOAuth2 is the XOAUTH2 SASL client that go-sasl lacks; OAUTHBEARER comes
// from go-sasl.
package oauth
