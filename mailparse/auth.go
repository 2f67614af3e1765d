package mailparse

import (
	"strings"

	"github.com/emersion/go-message"
)

// Auth is what the receiving server's Authentication-Results (RFC 8601)
// say about the From address.
type Auth string

// Authentication verdicts.
const (
	// AuthPass: a trusted header says dmarc=pass for the From domain, or,
	// where the domain publishes no DMARC policy (dmarc=none or no dmarc
	// result), dkim=pass for a signature aligned with the From domain.
	AuthPass Auth = "pass"
	// AuthFail: a trusted header says dmarc=fail, or dkim=fail (without a
	// passing signature) together with spf=fail: the From is forged.
	AuthFail Auth = "fail"
	// AuthNone: no trusted header, or one that neither passes nor fails
	// (temperror, permerror, spf alone, a signature of another domain).
	AuthNone Auth = "none"
)

// authResult is one method's result in an Authentication-Results header:
// dkim=pass header.d=example.com.
type authResult struct {
	method, result string
	props          map[string]string // header.d, header.from, smtp.mailfrom
}

// authenticate reads the Authentication-Results headers whose authserv-id
// is trusted (others are ignored entirely: a sender can write them) and
// gives the verdict for the From domain, with the reason for a failure.
// Without trusted ids there is no verdict (""): nothing is checked.
func authenticate(h message.Header, trusted []string, from string) (Auth, string) {
	if len(trusted) == 0 {
		return "", ""
	}
	fromDomain := ""
	if at := strings.LastIndexByte(from, '@'); at >= 0 {
		fromDomain = strings.ToLower(from[at+1:])
	}
	verdict, why := AuthNone, ""
	fields := h.FieldsByKey("Authentication-Results")
	for fields.Next() {
		id, results, _ := strings.Cut(fields.Value(), ";")
		id = strings.ToLower(firstWord(id))
		if !containsFold(trusted, id) {
			continue
		}
		rs := parseAuthResults(results)
		has := func(method, result string) bool {
			for _, r := range rs {
				if r.method == method && r.result == result {
					return true
				}
			}
			return false
		}
		if has("dmarc", "fail") {
			return AuthFail, "dmarc=fail from " + id
		}
		if has("dkim", "fail") && !has("dkim", "pass") && has("spf", "fail") {
			return AuthFail, "dkim=fail and spf=fail from " + id
		}
		if fromDomain == "" {
			continue
		}
		for _, r := range rs {
			switch {
			case r.method == "dmarc" && r.result == "pass" && aligned(r.props["header.from"], fromDomain, true):
				verdict = AuthPass
			case r.method == "dkim" && r.result == "pass" && aligned(r.props["header.d"], fromDomain, false) && !hasDMARCVerdict(rs):
				verdict = AuthPass
			}
		}
	}
	return verdict, why
}

// hasDMARCVerdict reports whether the results carry a DMARC evaluation
// that is neither "none" (no policy published) nor absent: then DMARC, not
// a lone DKIM signature, decides.
func hasDMARCVerdict(rs []authResult) bool {
	for _, r := range rs {
		if r.method == "dmarc" && r.result != "none" {
			return true
		}
	}
	return false
}

// aligned reports whether a domain named by an authentication result
// belongs to the From domain: the same domain, or (relaxed alignment) one
// a subdomain of the other. An empty domain is aligned only when
// emptyMeansFrom (a dmarc result without header.from evaluates the From).
func aligned(d, fromDomain string, emptyMeansFrom bool) bool {
	d = strings.ToLower(strings.Trim(d, ". "))
	if d == "" {
		return emptyMeansFrom
	}
	return d == fromDomain || strings.HasSuffix(fromDomain, "."+d) || strings.HasSuffix(d, "."+fromDomain)
}

// parseAuthResults splits "dkim=pass header.d=x; spf=fail smtp.mailfrom=y"
// into its results; comments in parentheses are dropped.
func parseAuthResults(s string) []authResult {
	s = stripComments(s)
	var out []authResult
	for _, part := range strings.Split(s, ";") {
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		method, result, ok := strings.Cut(words[0], "=")
		if !ok {
			continue
		}
		r := authResult{method: strings.ToLower(method), result: strings.ToLower(result), props: map[string]string{}}
		for _, w := range words[1:] {
			if k, v, ok := strings.Cut(w, "="); ok {
				r.props[strings.ToLower(k)] = strings.Trim(v, `"`)
			}
		}
		out = append(out, r)
	}
	return out
}

// stripComments removes RFC 5322 comments: "dmarc=pass (p=reject) x" →
// "dmarc=pass  x".
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}
