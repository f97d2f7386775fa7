// notation-host: a thin stand-in for the notation 1.x CLI, used by the e2e tests ONLY when the real
// CLI cannot be built on this machine.
//
// Why it exists: `go install github.com/notaryproject/notation/cmd/notation@<version>` needs the
// module proxy's version list, which the proxy reachable from our machines refuses (403 "This module
// version is not available"). scripts/install-deps.sh therefore tries, in order: `go install` of the
// real CLI, a `go build` of the real CLI from the pinned wrapper module tests/e2e/notation-cli, and
// only then this program. The tests always prefer the real CLI; run `notation version` to see which
// one is installed (this one prints "notation-host" in its version output).
//
// What it reproduces: the subset of notation v1.3.2 that the tests use, with the same flags, exit codes
// (0 success, 1 failure), messages, config layout and the same notation-go code paths as the CLI's
// cmd/notation/{main,sign,verify,inspect,registry,manifest}.go:
//
//	notation sign    [--insecure-registry] [--oci-layout] --id <keyId> --plugin <name>
//	                 [--plugin-config k=v ...] [--signature-format jws|cose] [-e/--expiry D]
//	                 [--force-referrers-tag[=false]] [-m k=v ...] [-d|-v] <reference>
//	notation verify  [--insecure-registry] [--oci-layout --scope S] [--plugin-config k=v ...]
//	                 [--max-signatures N] [-m k=v ...] [-d|-v] <reference>
//	notation inspect [-o json|text] [--insecure-registry] [--max-signatures N] [-d|-v] <reference>
//	notation version
//
// Like the CLI: NOTATION_CONFIG / NOTATION_LIBEXEC / NOTATION_CACHE move notation-go's dir package;
// plugins live at {libexec}/plugins/<name>/notation-<name>; the trust store at
// {config}/truststore/x509/...; the trust policy is {config}/trustpolicy.json (notation-go v1.3.2
// reads no other name); --oci-layout and --scope need NOTATION_EXPERIMENTAL=1; verification failure
// reasons are logged (as logrus warnings on stderr) only with -v/--verbose or -d/--debug, and the final
// error is "signature verification failed for all the signatures associated with <ref>".
// Not reproduced: `notation key`, `cert`, `policy`, `plugin`, `login`, `list`, `blob`, timestamping
// (--timestamp-url) and credentials stores; the text output of inspect is a flat listing, not a tree.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/notaryproject/notation-core-go/revocation"
	corecrl "github.com/notaryproject/notation-core-go/revocation/crl"
	"github.com/notaryproject/notation-core-go/revocation/purpose"
	"github.com/notaryproject/notation-core-go/signature"
	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/dir"
	"github.com/notaryproject/notation-go/log"
	"github.com/notaryproject/notation-go/plugin"
	"github.com/notaryproject/notation-go/plugin/proto"
	notationregistry "github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/signer"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/crl"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// The notation CLI release whose behaviour this program mirrors.
const mirroredVersion = "v1.3.2"

const referrersTagSchemaDeleteError = "failed to delete dangling referrers index"

type inputType int

const (
	inputTypeRegistry inputType = 1 + iota
	inputTypeOCILayout
)

// ---- shared flags (cmd/notation/common.go, internal/cmd/options.go) ----

type loggingOpts struct{ debug, verbose bool }

func (o *loggingOpts) apply(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.debug, "debug", "d", false, "debug mode")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "verbose mode")
}

// logger mirrors internal/trace: logrus text on stderr, no timestamps unless debugging.
func (o *loggingOpts) init(ctx context.Context) context.Context {
	level := logrus.InfoLevel
	switch {
	case o.debug:
		level = logrus.DebugLevel
	case o.verbose:
	default:
		return ctx
	}
	var formatter logrus.TextFormatter
	if level == logrus.DebugLevel {
		formatter.FullTimestamp = true
	} else {
		formatter.DisableTimestamp = true
	}
	formatter.DisableQuote = true
	logger := logrus.New()
	logger.SetFormatter(&formatter)
	logger.SetLevel(level)
	return log.WithLogger(ctx, logger)
}

type secureOpts struct {
	username, password string
	insecureRegistry   bool
}

func (o *secureOpts) apply(fs *pflag.FlagSet) {
	fs.StringVarP(&o.username, "username", "u", "", "username for registry operations (default to $NOTATION_USERNAME if not specified)")
	fs.StringVarP(&o.password, "password", "p", "", "password for registry operations (default to $NOTATION_PASSWORD if not specified)")
	fs.BoolVar(&o.insecureRegistry, "insecure-registry", false, "use HTTP protocol while connecting to registries. Should be used only for testing")
	o.username = os.Getenv("NOTATION_USERNAME")
	o.password = os.Getenv("NOTATION_PASSWORD")
}

func (o *secureOpts) credential() auth.Credential {
	if o.username == "" {
		return auth.Credential{RefreshToken: o.password}
	}
	return auth.Credential{Username: o.username, Password: o.password}
}

func parseFlagMap(c []string, flagName string) (map[string]string, error) {
	m := make(map[string]string, len(c))
	for _, pair := range c {
		key, val, found := strings.Cut(pair, "=")
		if !found || key == "" || val == "" {
			return nil, fmt.Errorf("could not parse flag %s: key-value pair requires \"=\" as separator", flagName)
		}
		m[key] = val
	}
	return m, nil
}

// checkExperimental mirrors cmd/notation/internal/experimental.CheckFlagsAndWarn.
func checkExperimental(cmd *cobra.Command, flags ...string) error {
	var changed []string
	for _, f := range flags {
		if cmd.Flags().Changed(f) {
			changed = append(changed, "--"+f)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if os.Getenv("NOTATION_EXPERIMENTAL") != "1" {
		return fmt.Errorf("flag(s) %s in %q is experimental and not enabled by default. To use, please set NOTATION_EXPERIMENTAL=1 environment variable",
			strings.Join(changed, ","), cmd.CommandPath())
	}
	fmt.Fprintf(os.Stderr, "Warning: This feature is experimental and may not be fully tested or completed and may be deprecated. Report any issues to \"https://github/notaryproject/notation\"\n")
	return nil
}

// ---- repositories (cmd/notation/registry.go, manifest.go) ----

func getRepository(ctx context.Context, it inputType, reference string, opts *secureOpts, forceReferrersTag bool) (notationregistry.Repository, error) {
	switch it {
	case inputTypeRegistry:
		return getRemoteRepository(ctx, opts, reference, forceReferrersTag)
	case inputTypeOCILayout:
		layoutPath, _, err := parseOCILayoutReference(reference)
		if err != nil {
			return nil, err
		}
		return notationregistry.NewOCIRepository(layoutPath, notationregistry.RepositoryOptions{})
	}
	return nil, errors.New("unsupported input type")
}

func getRemoteRepository(ctx context.Context, opts *secureOpts, reference string, forceReferrersTag bool) (notationregistry.Repository, error) {
	ref, err := registry.ParseReference(reference)
	if err != nil {
		return nil, fmt.Errorf("%q: %w. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>", reference, err)
	}
	if ref.Reference == "" {
		return nil, fmt.Errorf("%q: invalid reference: no tag or digest. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>", reference)
	}
	plainHTTP := opts.insecureRegistry
	if !plainHTTP {
		if host, _, _ := net.SplitHostPort(ref.Registry); host == "localhost" {
			plainHTTP = true
		}
	}
	client := &auth.Client{Client: &http.Client{}, Cache: auth.NewCache(), ClientID: "notation"}
	client.SetUserAgent("notation/" + mirroredVersion + "+notation-host")
	if cred := opts.credential(); cred != auth.EmptyCredential {
		client.Credential = auth.StaticCredential(ref.Host(), cred)
	}
	repo := &remote.Repository{Client: client, Reference: ref, PlainHTTP: plainHTTP}
	if forceReferrersTag {
		log.GetLogger(ctx).Info("The referrers tag schema is always attempted")
		if err := repo.SetReferrersCapability(false); err != nil {
			return nil, err
		}
	}
	return notationregistry.NewRepository(repo), nil
}

func parseOCILayoutReference(raw string) (string, string, error) {
	var path, ref string
	if idx := strings.LastIndex(raw, "@"); idx != -1 {
		path, ref = raw[:idx], raw[idx+1:]
	} else {
		idx := strings.LastIndex(raw, ":")
		if idx == -1 || (idx == 1 && len(raw) > 2 && unicode.IsLetter(rune(raw[0])) && raw[2] == '\\') {
			return "", "", fmt.Errorf("%q: invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>", raw)
		}
		path, ref = raw[:idx], raw[idx+1:]
	}
	if path == "" {
		return "", "", fmt.Errorf("%q: invalid reference: missing oci-layout file path. Expecting <file_path>:<tag> or <file_path>@<digest>", raw)
	}
	if ref == "" {
		return "", "", fmt.Errorf("%q: invalid reference: missing tag or digest. Expecting <file_path>:<tag> or <file_path>@<digest>", raw)
	}
	return path, ref, nil
}

// resolveReference resolves a tag to a digest and returns the descriptor and "<repo>@<digest>".
func resolveReference(ctx context.Context, it inputType, reference string, repo notationregistry.Repository, onTag func(tag string)) (ocispec.Descriptor, string, error) {
	var tagOrDigest, resolved string
	switch it {
	case inputTypeRegistry:
		ref, err := registry.ParseReference(reference)
		if err != nil {
			return ocispec.Descriptor{}, "", fmt.Errorf("%q: %w. Expecting <registry>/<repository>:<tag> or <registry>/<repository>@<digest>", reference, err)
		}
		if ref.Reference == "" {
			return ocispec.Descriptor{}, "", fmt.Errorf("%q: invalid reference: no tag or digest. Expecting <registry>/<repo>:<tag> or <registry>/<repo>@<digest>", reference)
		}
		tagOrDigest, resolved = ref.Reference, ref.Registry+"/"+ref.Repository
	case inputTypeOCILayout:
		path, ref, err := parseOCILayoutReference(reference)
		if err != nil {
			return ocispec.Descriptor{}, "", fmt.Errorf("failed to resolve user input reference: %w", err)
		}
		info, err := os.Stat(path)
		if err != nil {
			return ocispec.Descriptor{}, "", fmt.Errorf("failed to resolve user input reference: %w", err)
		}
		if !info.IsDir() {
			return ocispec.Descriptor{}, "", errors.New("failed to resolve user input reference: input path is not a dir")
		}
		tagOrDigest, resolved = ref, path
	}
	desc, err := repo.Resolve(ctx, tagOrDigest)
	if err != nil {
		return ocispec.Descriptor{}, "", fmt.Errorf("failed to get manifest descriptor: %w", err)
	}
	log.GetLogger(ctx).Infof("Reference %s resolved to manifest descriptor: %+v", tagOrDigest, desc)
	resolved += "@" + desc.Digest.String()
	if _, err := digest.Parse(tagOrDigest); err == nil {
		if tagOrDigest != desc.Digest.String() {
			return ocispec.Descriptor{}, "", fmt.Errorf("user input digest %s does not match the resolved digest %s", tagOrDigest, desc.Digest.String())
		}
		return desc, resolved, nil
	}
	if onTag != nil {
		onTag(tagOrDigest)
	}
	return desc, resolved, nil
}

func tagWarning(operation string) func(string) {
	return func(tag string) {
		fmt.Fprintf(os.Stderr, "Warning: Always %s the artifact using digest(@sha256:...) rather than a tag(:%s) because resolved digest may not point to the same signed artifact, as tags are mutable.\n", operation, tag)
	}
}

// newRevocationValidator mirrors internal/revocation: OCSP and CRL with a file cache under NOTATION_CACHE.
func newRevocationValidator(p purpose.Purpose) (revocation.Validator, error) {
	fetcher, _ := corecrl.NewHTTPFetcher(&http.Client{Timeout: 5 * time.Second})
	fetcher.DiscardCacheError = true
	cacheRoot, _ := dir.CacheFS().SysPath(dir.PathCRLCache)
	if fileCache, err := crl.NewFileCache(cacheRoot); err != nil {
		fmt.Fprintf(os.Stderr, "Warning: %v\n", err)
	} else {
		fetcher.Cache = fileCache
	}
	return revocation.NewWithOptions(revocation.Options{
		OCSPHTTPClient:   &http.Client{Timeout: 2 * time.Second},
		CRLFetcher:       fetcher,
		CertChainPurpose: p,
	})
}

// ---- sign ----

type signOpts struct {
	logging                loggingOpts
	secure                 secureOpts
	keyID, pluginName      string
	signatureFormat        string
	expiry                 time.Duration
	pluginConfig, metadata []string
	forceReferrersTag      bool
	ociLayout              bool
}

func signCommand() *cobra.Command {
	opts := &signOpts{}
	c := &cobra.Command{
		Use:   "sign [flags] <reference>",
		Short: "Sign artifacts",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("missing reference to the artifact: use `notation sign --help` to see what parameters are required")
			}
			return nil
		},
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return checkExperimental(cmd, "oci-layout")
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd, opts, args[0]) },
	}
	fs := c.Flags()
	opts.logging.apply(fs)
	opts.secure.apply(fs)
	fs.StringVar(&opts.signatureFormat, "signature-format", "jws", "signature envelope format, options: \"jws\", \"cose\"")
	fs.StringVar(&opts.keyID, "id", "", "key id (required if --plugin is set)")
	fs.StringVar(&opts.pluginName, "plugin", "", "signing plugin name (required if --id is set)")
	fs.DurationVarP(&opts.expiry, "expiry", "e", 0, "optional expiry that provides a \"best by use\" time for the artifact")
	fs.StringArrayVar(&opts.pluginConfig, "plugin-config", nil, "{key}={value} pairs that are passed as it is to a plugin")
	fs.StringArrayVarP(&opts.metadata, "user-metadata", "m", nil, "{key}={value} pairs that are added to the signature payload")
	fs.BoolVar(&opts.forceReferrersTag, "force-referrers-tag", true, "force to store signatures using the referrers tag schema")
	fs.BoolVar(&opts.ociLayout, "oci-layout", false, "[Experimental] sign the artifact stored as OCI image layout")
	c.MarkFlagsRequiredTogether("id", "plugin")
	c.MarkFlagsMutuallyExclusive("oci-layout", "force-referrers-tag")
	return c
}

func runSign(cmd *cobra.Command, opts *signOpts, reference string) error {
	ctx := opts.logging.init(cmd.Context())
	if opts.keyID == "" || opts.pluginName == "" {
		return errors.New("notation-host supports only on-demand plugin keys: --id <keyId> --plugin <name>")
	}
	mgr := plugin.NewCLIManager(dir.PluginFS())
	p, err := mgr.Get(ctx, opts.pluginName)
	if err != nil {
		return err
	}
	// Like the CLI: the key's own config is empty for on-demand keys; --plugin-config travels in SignOptions.
	sgnr, err := signer.NewPluginSigner(p, opts.keyID, map[string]string{})
	if err != nil {
		return err
	}
	it := inputTypeRegistry
	if opts.ociLayout {
		it = inputTypeOCILayout
	}
	repo, err := getRepository(ctx, it, reference, &opts.secure, opts.forceReferrersTag)
	if err != nil {
		return err
	}
	var mediaType string
	switch opts.signatureFormat {
	case "jws":
		mediaType = jws.MediaTypeEnvelope
	case "cose":
		mediaType = cose.MediaTypeEnvelope
	default:
		return fmt.Errorf("signature format %q not supported\nSupported signature envelope formats are \"jws\" and \"cose\"", opts.signatureFormat)
	}
	pluginConfig, err := parseFlagMap(opts.pluginConfig, "plugin-config")
	if err != nil {
		return err
	}
	userMetadata, err := parseFlagMap(opts.metadata, "user-metadata")
	if err != nil {
		return err
	}
	desc, resolved, err := resolveReference(ctx, it, reference, repo, func(tag string) {
		fmt.Fprintf(os.Stderr, "Warning: Always sign the artifact using digest(@sha256:...) rather than a tag(:%s) because tags are mutable and a tag reference can point to a different artifact than the one signed.\n", tag)
	})
	if err != nil {
		return err
	}
	signOptions := notation.SignOptions{
		SignerSignOptions: notation.SignerSignOptions{
			SignatureMediaType: mediaType,
			ExpiryDuration:     opts.expiry,
			PluginConfig:       pluginConfig,
		},
		ArtifactReference: desc.Digest.String(),
		UserMetadata:      userMetadata,
	}
	if _, err := notation.Sign(ctx, sgnr, repo, signOptions); err != nil {
		var pushFailed notation.ErrorPushSignatureFailed
		if errors.As(err, &pushFailed) && strings.Contains(err.Error(), referrersTagSchemaDeleteError) {
			fmt.Fprintln(os.Stderr, "Warning: Removal of outdated referrers index from remote registry failed. Garbage collection may be required.")
			fmt.Println("Successfully signed", resolved)
			return nil
		}
		return err
	}
	fmt.Println("Successfully signed", resolved)
	return nil
}

// ---- verify ----

type verifyOpts struct {
	logging                loggingOpts
	secure                 secureOpts
	pluginConfig, metadata []string
	ociLayout              bool
	scope                  string
	maxSignatures          int
}

func verifyCommand() *cobra.Command {
	opts := &verifyOpts{}
	c := &cobra.Command{
		Use:   "verify [reference]",
		Short: "Verify OCI artifacts",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("missing reference to the artifact: use `notation verify --help` to see what parameters are required")
			}
			return nil
		},
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return checkExperimental(cmd, "oci-layout", "scope")
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.maxSignatures <= 0 {
				return fmt.Errorf("max-signatures value %d must be a positive number", opts.maxSignatures)
			}
			return runVerify(cmd, opts, args[0])
		},
	}
	fs := c.Flags()
	opts.logging.apply(fs)
	opts.secure.apply(fs)
	fs.StringArrayVar(&opts.pluginConfig, "plugin-config", nil, "{key}={value} pairs that are passed as it is to a plugin")
	fs.StringArrayVarP(&opts.metadata, "user-metadata", "m", nil, "user defined {key}={value} pairs that must be present in the signature")
	fs.IntVar(&opts.maxSignatures, "max-signatures", 100, "maximum number of signatures to evaluate or examine")
	fs.BoolVar(&opts.ociLayout, "oci-layout", false, "[Experimental] verify the artifact stored as OCI image layout")
	fs.StringVar(&opts.scope, "scope", "", "[Experimental] set trust policy scope for artifact verification")
	c.MarkFlagsRequiredTogether("oci-layout", "scope")
	return c
}

func runVerify(cmd *cobra.Command, opts *verifyOpts, reference string) error {
	ctx := opts.logging.init(cmd.Context())
	codeSigning, err := newRevocationValidator(purpose.CodeSigning)
	if err != nil {
		return err
	}
	timestamping, err := newRevocationValidator(purpose.Timestamping)
	if err != nil {
		return err
	}
	policy, err := trustpolicy.LoadDocument()
	if err != nil {
		return err
	}
	v, err := verifier.NewWithOptions(policy, truststore.NewX509TrustStore(dir.ConfigFS()), plugin.NewCLIManager(dir.PluginFS()),
		verifier.VerifierOptions{RevocationCodeSigningValidator: codeSigning, RevocationTimestampingValidator: timestamping})
	if err != nil {
		return err
	}
	configs, err := parseFlagMap(opts.pluginConfig, "plugin-config")
	if err != nil {
		return err
	}
	userMetadata, err := parseFlagMap(opts.metadata, "user-metadata")
	if err != nil {
		return err
	}
	it := inputTypeRegistry
	if opts.ociLayout {
		it = inputTypeOCILayout
	}
	// Like the CLI: verify uses the Referrers API and falls back to the tag schema.
	repo, err := getRepository(ctx, it, reference, &opts.secure, false)
	if err != nil {
		return err
	}
	_, resolved, err := resolveReference(ctx, it, reference, repo, tagWarning("verify"))
	if err != nil {
		return err
	}
	intended := resolved
	if opts.scope != "" {
		if _, d, ok := strings.Cut(resolved, "@"); ok {
			intended = opts.scope + "@" + d
		}
	}
	_, outcomes, err := notation.Verify(ctx, v, repo, notation.VerifyOptions{
		ArtifactReference:    intended,
		PluginConfig:         configs,
		MaxSignatureAttempts: opts.maxSignatures,
		UserMetadata:         userMetadata,
	})
	if err := checkVerificationFailure(outcomes, resolved, err); err != nil {
		return err
	}
	outcome := outcomes[0]
	for _, result := range outcome.VerificationResults {
		if result.Error != nil {
			fmt.Fprintf(os.Stderr, "Warning: %v was set to %q and failed with error: %v\n", result.Type, result.Action, result.Error)
		}
	}
	if reflect.DeepEqual(outcome.VerificationLevel, trustpolicy.LevelSkip) {
		fmt.Println("Trust policy is configured to skip signature verification for", resolved)
		return nil
	}
	fmt.Println("Successfully verified signature for", resolved)
	if metadata, _ := outcome.UserMetadata(); len(metadata) > 0 {
		fmt.Println("\nThe artifact was signed with the following user metadata.")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Printf("\nKEY\tVALUE\n")
		for _, k := range keys {
			fmt.Printf("%s\t%s\n", k, metadata[k])
		}
	}
	return nil
}

// checkVerificationFailure mirrors cmd/notation/verify.go.
func checkVerificationFailure(outcomes []*notation.VerificationOutcome, printOut string, err error) error {
	if err == nil && len(outcomes) > 0 {
		return nil
	}
	if err != nil {
		var errTrustStore truststore.TrustStoreError
		if errors.As(err, &errTrustStore) {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w. Use command 'notation cert add' to create and add trusted certificates to the trust store", errTrustStore)
			}
			return fmt.Errorf("%w. %w", errTrustStore, errTrustStore.InnerError)
		}
		var errCertificate truststore.CertificateError
		if errors.As(err, &errCertificate) {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w. Use command 'notation cert add' to create and add trusted certificates to the trust store", errCertificate)
			}
			return fmt.Errorf("%w. %w", errCertificate, errCertificate.InnerError)
		}
		var errVerificationFailed notation.ErrorVerificationFailed
		if !errors.As(err, &errVerificationFailed) {
			return fmt.Errorf("signature verification failed: %w", err)
		}
	}
	return fmt.Errorf("signature verification failed for all the signatures associated with %s", printOut)
}

// ---- inspect (field names as in cmd/notation/inspect.go; note the capital "Signatures") ----

type inspectOutput struct {
	MediaType  string `json:"mediaType"`
	Signatures []signatureOutput
}

type signatureOutput struct {
	MediaType             string              `json:"mediaType"`
	Digest                string              `json:"digest"`
	SignatureAlgorithm    string              `json:"signatureAlgorithm"`
	SignedAttributes      map[string]string   `json:"signedAttributes"`
	UserDefinedAttributes map[string]string   `json:"userDefinedAttributes"`
	UnsignedAttributes    map[string]any      `json:"unsignedAttributes"`
	Certificates          []certificateOutput `json:"certificates"`
	SignedArtifact        ocispec.Descriptor  `json:"signedArtifact"`
}

type certificateOutput struct {
	SHA256Fingerprint string `json:"SHA256Fingerprint"`
	IssuedTo          string `json:"issuedTo"`
	IssuedBy          string `json:"issuedBy"`
	Expiry            string `json:"expiry"`
}

type inspectOpts struct {
	logging       loggingOpts
	secure        secureOpts
	output        string
	maxSignatures int
}

func inspectCommand() *cobra.Command {
	opts := &inspectOpts{}
	c := &cobra.Command{
		Use:   "inspect [reference]",
		Short: "Inspect all signatures associated with the signed artifact",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("missing reference to the artifact: use `notation inspect --help` to see what parameters are required")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.maxSignatures <= 0 {
				return fmt.Errorf("max-signatures value %d must be a positive number", opts.maxSignatures)
			}
			return runInspect(cmd, opts, args[0])
		},
	}
	fs := c.Flags()
	opts.logging.apply(fs)
	opts.secure.apply(fs)
	fs.StringVarP(&opts.output, "output", "o", "text", "output format, options: 'json', 'text'")
	fs.IntVar(&opts.maxSignatures, "max-signatures", 100, "maximum number of signatures to evaluate or examine")
	return c
}

func runInspect(cmd *cobra.Command, opts *inspectOpts, reference string) error {
	ctx := opts.logging.init(cmd.Context())
	if opts.output != "json" && opts.output != "text" {
		return fmt.Errorf("unrecognized output format %s", opts.output)
	}
	repo, err := getRemoteRepository(ctx, &opts.secure, reference, false)
	if err != nil {
		return err
	}
	manifestDesc, resolved, err := resolveReference(ctx, inputTypeRegistry, reference, repo, tagWarning("inspect"))
	if err != nil {
		return err
	}
	out := inspectOutput{MediaType: manifestDesc.MediaType, Signatures: []signatureOutput{}}
	skipped := false
	skip := func(d ocispec.Descriptor, err error) {
		fmt.Fprintf(os.Stderr, "Warning: Skipping signature %s because of error: %v\n", d.Digest.String(), err)
		skipped = true
	}
	n := 0
	exceeded := false
	err = repo.ListSignatures(ctx, manifestDesc, func(manifests []ocispec.Descriptor) error {
		for _, sigManifest := range manifests {
			if n >= opts.maxSignatures {
				exceeded = true
				return errors.New("exceeded")
			}
			n++
			blob, sigDesc, err := repo.FetchSignatureBlob(ctx, sigManifest)
			if err != nil {
				fmt.Fprintf(os.Stderr, "Warning: unable to fetch signature %s due to error: %v\n", sigManifest.Digest.String(), err)
				skipped = true
				continue
			}
			env, err := signature.ParseEnvelope(sigDesc.MediaType, blob)
			if err != nil {
				skip(sigManifest, err)
				continue
			}
			content, err := env.Content()
			if err != nil {
				skip(sigManifest, err)
				continue
			}
			artifact, err := descriptorFromPayload(&content.Payload)
			if err != nil {
				skip(sigManifest, err)
				continue
			}
			alg, err := proto.EncodeSigningAlgorithm(content.SignerInfo.SignatureAlgorithm)
			if err != nil {
				skip(sigManifest, err)
				continue
			}
			sig := signatureOutput{
				MediaType:             sigDesc.MediaType,
				Digest:                sigManifest.Digest.String(),
				SignatureAlgorithm:    string(alg),
				SignedAttributes:      signedAttributes(opts.output, content),
				UserDefinedAttributes: artifact.Annotations,
				UnsignedAttributes:    unsignedAttributes(content),
				Certificates:          certificates(opts.output, content.SignerInfo.CertificateChain),
				SignedArtifact:        *artifact,
			}
			sig.SignedArtifact.Annotations = nil
			out.Signatures = append(out.Signatures, sig)
		}
		return nil
	})
	if err != nil && !exceeded {
		return err
	}
	if opts.output == "json" {
		b, err := json.MarshalIndent(out, "", "    ")
		if err != nil {
			return err
		}
		fmt.Println(string(b))
	} else {
		printText(resolved, out)
	}
	if exceeded {
		fmt.Printf("Warning: exceeded configured limit of max signatures %d to examine\n", opts.maxSignatures)
	}
	if skipped {
		return errors.New("at least one signature was skipped and not displayed")
	}
	return nil
}

func descriptorFromPayload(p *signature.Payload) (*ocispec.Descriptor, error) {
	if p.ContentType != "application/vnd.cncf.notary.payload.v1+json" {
		return nil, fmt.Errorf("payload content type %q not supported", p.ContentType)
	}
	var parsed struct {
		TargetArtifact ocispec.Descriptor `json:"targetArtifact"`
	}
	if err := json.Unmarshal(p.Content, &parsed); err != nil {
		return nil, errors.New("failed to unmarshall the payload content to Payload")
	}
	return &parsed.TargetArtifact, nil
}

func formatTime(output string, t time.Time) string {
	if output == "json" {
		return t.Format(time.RFC3339)
	}
	return t.Format(time.ANSIC)
}

func signedAttributes(output string, c *signature.EnvelopeContent) map[string]string {
	sa := c.SignerInfo.SignedAttributes
	m := map[string]string{
		"signingScheme": string(sa.SigningScheme),
		"signingTime":   formatTime(output, sa.SigningTime),
	}
	if !sa.Expiry.IsZero() {
		m["expiry"] = formatTime(output, sa.Expiry)
	}
	for _, a := range sa.ExtendedAttributes {
		m[fmt.Sprint(a.Key)] = fmt.Sprint(a.Value)
	}
	return m
}

// unsignedAttributes reports the signing agent; a timestamp countersignature is only flagged as
// present (the CLI parses it with tspclient-go; our envelopes carry none).
func unsignedAttributes(c *signature.EnvelopeContent) map[string]any {
	m := map[string]any{}
	if c.SignerInfo.UnsignedAttributes.TimestampSignature != nil {
		m["timestampSignature"] = map[string]string{"error": "notation-host does not parse timestamp countersignatures"}
	}
	if c.SignerInfo.UnsignedAttributes.SigningAgent != "" {
		m["signingAgent"] = c.SignerInfo.UnsignedAttributes.SigningAgent
	}
	return m
}

func certificates(output string, chain []*x509.Certificate) []certificateOutput {
	out := []certificateOutput{}
	for _, cert := range chain {
		h := sha256.Sum256(cert.Raw)
		out = append(out, certificateOutput{
			SHA256Fingerprint: strings.ToLower(hex.EncodeToString(h[:])),
			IssuedTo:          cert.Subject.String(),
			IssuedBy:          cert.Issuer.String(),
			Expiry:            formatTime(output, cert.NotAfter),
		})
	}
	return out
}

func printText(ref string, out inspectOutput) {
	if len(out.Signatures) == 0 {
		fmt.Printf("%s has no associated signature\n", ref)
		return
	}
	fmt.Println("Inspecting all signatures for signed artifact")
	fmt.Println(ref)
	for _, s := range out.Signatures {
		fmt.Printf("  %s\n    media type: %s\n    signature algorithm: %s\n", s.Digest, s.MediaType, s.SignatureAlgorithm)
		for _, group := range []struct {
			name string
			m    map[string]string
		}{{"signed attributes", s.SignedAttributes}, {"user defined attributes", s.UserDefinedAttributes}} {
			fmt.Printf("    %s\n", group.name)
			keys := make([]string, 0, len(group.m))
			for k := range group.m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Printf("      %s: %s\n", k, group.m[k])
			}
		}
		fmt.Printf("    unsigned attributes\n")
		for k, v := range s.UnsignedAttributes {
			fmt.Printf("      %s: %v\n", k, v)
		}
		fmt.Printf("    certificates\n")
		for _, c := range s.Certificates {
			fmt.Printf("      SHA256 fingerprint: %s\n        issued to: %s\n        issued by: %s\n        expiry: %s\n",
				c.SHA256Fingerprint, c.IssuedTo, c.IssuedBy, c.Expiry)
		}
		fmt.Printf("    signed artifact\n      media type: %s\n      digest: %s\n      size: %d\n",
			s.SignedArtifact.MediaType, s.SignedArtifact.Digest, s.SignedArtifact.Size)
	}
}

// ---- version and main ----

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the notation version information",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Printf("Notation - a tool to sign and verify artifacts.\n\n")
			fmt.Printf("Version:     %s+notation-host\n", mirroredVersion)
			fmt.Printf("Go version:  %s\n", runtime.Version())
			fmt.Printf("Note:        notation-host, a test stand-in for the notation CLI built on notation-go\n")
		},
	}
}

func run() error {
	root := &cobra.Command{
		Use:          "notation",
		Short:        "Notation - a tool to sign and verify artifacts (notation-host test stand-in)",
		SilenceUsage: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			os.Unsetenv("NOTATION_USERNAME")
			os.Unsetenv("NOTATION_PASSWORD")
			if v := os.Getenv("NOTATION_CONFIG"); v != "" {
				dir.UserConfigDir = v
			}
			if v := os.Getenv("NOTATION_CACHE"); v != "" {
				dir.UserCacheDir = v
			}
			if v := os.Getenv("NOTATION_LIBEXEC"); v != "" {
				dir.UserLibexecDir = v
			}
		},
	}
	root.AddCommand(signCommand(), verifyCommand(), inspectCommand(), versionCommand())
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	return root.ExecuteContext(ctx)
}

func main() {
	if err := run(); err != nil {
		os.Exit(1)
	}
}
