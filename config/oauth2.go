package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Login mechanisms (mailboxes[].auth, smtp.auth).
const (
	AuthLogin       = "login"
	AuthXOAuth2     = "xoauth2"
	AuthOAuthBearer = "oauthbearer"
)

// OAuth2 providers (oauth2.provider).
const (
	ProviderMicrosoft = "microsoft"
	ProviderGoogle    = "google"
	ProviderGeneric   = "generic"
)

// DefaultAlertBefore is oauth2.alert_before's default.
const DefaultAlertBefore = 24 * time.Hour

// OAuth2 says where a server's access token comes from: a refresh token
// exchanged at the provider's token endpoint, or a command that prints a
// token.
type OAuth2 struct {
	// Provider is microsoft, google or generic; it presets TokenURL and
	// Scopes.
	Provider string `yaml:"provider"`
	// Tenant is the Microsoft Entra tenant (id or domain) in the token
	// URL; default "organizations".
	Tenant string `yaml:"tenant"`
	// TokenURL is required for generic.
	TokenURL string `yaml:"token_url"`
	ClientID string `yaml:"client_id"`
	// ClientSecret or ClientSecretFile; public clients have none.
	ClientSecret     Secret `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// RefreshTokenFile holds the refresh token (read at load).
	RefreshTokenFile string `yaml:"refresh_token_file"`
	// RefreshToken is read from RefreshTokenFile; never set in YAML.
	RefreshToken Secret `yaml:"-"`
	// Scopes requested with each refresh; provider presets when empty.
	Scopes []string `yaml:"scopes"`
	// TokenCommand is an argv printing an access token, alone or as JSON
	// {"access_token", "expiry" or "expires_in"}; instead of the above.
	TokenCommand []string `yaml:"token_command"`
	// AlertBefore is how long before a token that cannot be renewed
	// expires the operator is told (default 24h).
	AlertBefore Duration `yaml:"alert_before"`
}

// applyDefaults fills the provider presets; imap says which
// protocol's scope Microsoft needs.
func (o *OAuth2) applyDefaults(imap bool) {
	if o == nil {
		return
	}
	if o.AlertBefore == 0 {
		o.AlertBefore = Duration(DefaultAlertBefore)
	}
	if len(o.TokenCommand) > 0 {
		return
	}
	switch o.Provider {
	case ProviderMicrosoft:
		if o.Tenant == "" {
			o.Tenant = "organizations"
		}
		if o.TokenURL == "" {
			o.TokenURL = "https://login.microsoftonline.com/" + o.Tenant + "/oauth2/v2.0/token"
		}
		if len(o.Scopes) == 0 {
			scope := "https://outlook.office.com/SMTP.Send"
			if imap {
				scope = "https://outlook.office.com/IMAP.AccessAsUser.All"
			}
			o.Scopes = []string{scope, "offline_access"}
		}
	case ProviderGoogle:
		if o.TokenURL == "" {
			o.TokenURL = "https://oauth2.googleapis.com/token"
		}
		if len(o.Scopes) == 0 {
			o.Scopes = []string{"https://mail.google.com/"}
		}
	}
}

// checkAuth validates auth and oauth2 of the server at path.
func (v *validator) checkAuth(path, auth string, o *OAuth2, hasPassword bool) {
	switch auth {
	case AuthLogin:
		if o != nil {
			v.add(path+".oauth2", "oauth2 is only used with auth: %s or %s", AuthXOAuth2, AuthOAuthBearer)
		}
		return
	case AuthXOAuth2, AuthOAuthBearer:
	default:
		v.add(path+".auth", "auth must be %s, %s or %s; got %q", AuthLogin, AuthXOAuth2, AuthOAuthBearer, auth)
		return
	}
	if hasPassword {
		v.add(path, "a password is not used with auth: %s; remove it", auth)
	}
	if o == nil {
		v.add(path, "auth: %s needs an oauth2 block (a refresh token or a token_command)", auth)
		return
	}
	p := path + ".oauth2"
	if o.AlertBefore.D() < 0 {
		v.add(p+".alert_before", "alert_before must not be negative")
	}
	if len(o.TokenCommand) > 0 {
		if o.Provider != "" || o.TokenURL != "" || o.ClientID != "" || o.RefreshTokenFile != "" || o.ClientSecret != "" ||
			o.ClientSecretFile != "" || o.Tenant != "" || len(o.Scopes) > 0 {
			v.add(p+".token_command", "token_command replaces provider, token_url, client_id, client_secret, refresh_token_file and scopes: set one or the other")
		}
		if strings.TrimSpace(o.TokenCommand[0]) == "" {
			v.add(p+".token_command", "token_command must start with the program to run")
		}
		return
	}
	switch o.Provider {
	case ProviderMicrosoft, ProviderGoogle, ProviderGeneric:
	case "":
		v.add(p, "missing provider (microsoft, google or generic) or token_command")
	default:
		v.add(p+".provider", "provider must be %s, %s or %s; got %q", ProviderMicrosoft, ProviderGoogle, ProviderGeneric, o.Provider)
	}
	if o.Tenant != "" && o.Provider != ProviderMicrosoft {
		v.add(p+".tenant", "tenant is only used with provider: microsoft")
	}
	if o.TokenURL == "" && o.Provider == ProviderGeneric {
		v.add(p, "missing token_url (required for provider: generic)")
	} else if o.TokenURL != "" && !strings.HasPrefix(o.TokenURL, "https://") && !strings.HasPrefix(o.TokenURL, "http://") {
		v.add(p+".token_url", "token_url must be an http(s) URL; got %q", o.TokenURL)
	}
	if o.ClientID == "" {
		v.add(p, "missing client_id")
	}
	if o.RefreshTokenFile == "" {
		v.add(p, "missing refresh_token_file")
	}
}

// resolve reads the client secret and refresh token of o.
func (o *OAuth2) resolve(dir, path string) []error {
	var problems []error
	read := func(key, file string) (Secret, bool) {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			problems = append(problems, fieldError(path+"."+key, fmt.Errorf("cannot read: %w", err)))
			return "", false
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			problems = append(problems, fieldError(path+"."+key, errors.New("file is empty")))
			return "", false
		}
		return Secret(s), true
	}
	if o.ClientSecretFile != "" {
		if o.ClientSecret != "" {
			problems = append(problems, fieldError(path+".client_secret_file", errors.New("set only one of client_secret, client_secret_file")))
		} else if s, ok := read("client_secret_file", o.ClientSecretFile); ok {
			o.ClientSecret = s
		}
	}
	if o.RefreshTokenFile != "" {
		if s, ok := read("refresh_token_file", o.RefreshTokenFile); ok {
			o.RefreshToken = s
		}
	}
	return problems
}

func fieldError(path string, err error) error { return &FieldError{Path: path, Err: err} }

// hasPassword says whether any password source is set.
func (s *SecretRef) hasPassword() bool {
	return s.Password != "" || s.PasswordFile != "" || s.PasswordEnv != "" || s.PasswordCredential != ""
}
