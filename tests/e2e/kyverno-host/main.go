// kyverno-host verifies images the way kyverno-notation-aws v1.1 does (its verifier is
// github.com/nirmata/kyverno-notation-verifier at the commit kyverno-notation-aws v1.1 pins), minus
// Kubernetes: what the TrustPolicy/TrustStore controllers, the plugin ConfigMap and the Kyverno
// request would supply comes from the command line instead.
//
//	kyverno-host --notation-dir D --plugins-dir P \
//	    --trust-policy-file F.json ...           # a TrustPolicy CR's spec -> D/<trustPolicyName>.json
//	    --trust-store TYPE:NAME=PEM ...           # a TrustStore CR -> D/truststore/x509/TYPE/NAME/certificates.crt
//	    [--trust-policy NAME]                     # the request's trustPolicy (else $DEFAULT_TRUST_POLICY)
//	    [--plugin-config KEY=VALUE ...]           # the data of ConfigMap notation-plugin-config
//	    [--debug=true] [--plain-http] [--max-signature-attempts 30] IMAGE...
//
// It prints the extension's response (ResponseData: verified, message, results) on stdout and exits
// 0 when verified, 1 when not, 2 on a usage or setup error. With --debug (the Nirmata chart's
// default) pluginConfig gets "debug": "true" and notation-go logs to stderr through zap, as the
// extension's pod log does.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/notaryproject/notation-core-go/signature/cose"
	_ "github.com/notaryproject/notation-core-go/signature/jws"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/dir"
	notationlog "github.com/notaryproject/notation-go/log"
	"github.com/notaryproject/notation-go/plugin"
	notationregistry "github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/pkg/errors"
	"go.uber.org/multierr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

const envDefaultTrustPolicy = "DEFAULT_TRUST_POLICY"

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// jsonPatchOp is gomodules.xyz/jsonpatch/v2's Operation, as the extension returns it.
type jsonPatchOp struct {
	Operation string      `json:"op"`
	Path      string      `json:"path"`
	Value     interface{} `json:"value,omitempty"`
}

// responseData is kyverno-notation-verifier's types.ResponseData.
type responseData struct {
	Verified     bool          `json:"verified"`
	ErrorMessage string        `json:"message,omitempty"`
	Results      []jsonPatchOp `json:"results"`
}

func main() { os.Exit(run()) }

func run() int {
	var (
		notationDir, pluginsDir, trustPolicy string
		policyFiles, stores, pluginCfg       multiFlag
		debug, plainHTTP                     bool
		maxSigAttempts                       int
	)
	flag.StringVar(&notationDir, "notation-dir", os.Getenv("NOTATION_DIR"), "NOTATION_DIR: notation's config and libexec dir")
	flag.StringVar(&pluginsDir, "plugins-dir", os.Getenv("PLUGINS_DIR"), "PLUGINS_DIR: copied into NOTATION_DIR/plugins at start-up")
	flag.Var(&policyFiles, "trust-policy-file", "a trust policy document (a TrustPolicy CR's spec, with trustPolicyName); repeatable")
	flag.Var(&stores, "trust-store", "TYPE:NAME=PEMFILE, a TrustStore CR; repeatable")
	flag.StringVar(&trustPolicy, "trust-policy", "", "the request's trustPolicy (default: $"+envDefaultTrustPolicy+")")
	flag.Var(&pluginCfg, "plugin-config", "KEY=VALUE of ConfigMap notation-plugin-config; repeatable")
	flag.BoolVar(&debug, "debug", true, "as the extension's --debug: pluginConfig debug=true and notation-go's log on stderr")
	flag.BoolVar(&plainHTTP, "plain-http", false, "talk plain HTTP to the registry (the extension always uses HTTPS)")
	flag.IntVar(&maxSigAttempts, "max-signature-attempts", 30, "as the extension's --maxSignatureAttempts")
	flag.Parse()

	zc := zap.NewDevelopmentConfig()
	zc.Level = zap.NewAtomicLevelAt(zapcore.Level(-2))
	zc.OutputPaths = []string{"stderr"}
	zl, err := zc.Build()
	if err != nil {
		fmt.Fprintf(os.Stderr, "failed to initialize logger: %v\n", err)
		return 2
	}
	slog := zl.Sugar().WithOptions(zap.AddStacktrace(zap.DPanicLevel))

	if err := setup(notationDir, pluginsDir, policyFiles, stores); err != nil {
		slog.Errorf("setup: %v", err)
		return 2
	}
	verifiers, err := refreshVerifiers(slog, notationDir)
	if err != nil {
		slog.Errorf("failed to create notation verifiers, error: %v", err)
		return 2
	}

	cfg := map[string]string{}
	for _, kv := range pluginCfg {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			slog.Errorf("--plugin-config %q: want KEY=VALUE", kv)
			return 2
		}
		cfg[k] = v
	}

	resp := verifyImages(context.Background(), slog, verifiers, trustPolicy, flag.Args(), cfg, debug, plainHTTP, maxSigAttempts)
	out, _ := json.Marshal(resp)
	fmt.Println(string(out))
	if resp.Verified {
		return 0
	}
	return 1
}

// setup does what the extension's start-up (setup.SetupLocal) and its controllers do.
func setup(notationDir, pluginsDir string, policyFiles, stores []string) error {
	if notationDir == "" || pluginsDir == "" {
		return errors.New("--notation-dir (NOTATION_DIR) and --plugins-dir (PLUGINS_DIR) are required")
	}
	// internal.InstallPlugins: copy PLUGINS_DIR into NOTATION_DIR/plugins (files mode 0777).
	dest := filepath.Join(notationDir, "plugins")
	if err := os.MkdirAll(dest, 0755); err != nil {
		return err
	}
	err := filepath.Walk(pluginsDir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel := strings.Replace(path, pluginsDir, "", 1)
		if rel == "" {
			return nil
		}
		if info.IsDir() {
			if err := os.Mkdir(filepath.Join(dest, rel), 0755); err != nil && !os.IsExist(err) {
				return err
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dest, rel), data, 0777)
	})
	if err != nil {
		return errors.Wrapf(err, "failed to copy %s to %s", pluginsDir, dest)
	}
	dir.UserConfigDir = notationDir
	dir.UserLibexecDir = notationDir

	// TrustPolicyReconciler.writeTrustPolicy: the spec, indented, as NOTATION_DIR/<trustPolicyName>.
	for _, f := range policyFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var spec struct {
			TrustPolicyName string `json:"trustPolicyName"`
		}
		if err := json.Unmarshal(raw, &spec); err != nil {
			return errors.Wrapf(err, "trust policy %s", f)
		}
		name := spec.TrustPolicyName
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		}
		var doc interface{}
		_ = json.Unmarshal(raw, &doc)
		indented, _ := json.MarshalIndent(doc, "  ", " ")
		if err := os.WriteFile(filepath.Join(notationDir, name+".json"), indented, 0600); err != nil {
			return err
		}
	}
	// TrustStoreReconciler.writeTrustStore: truststore/x509/<type>/<name>/certificates.crt.
	for _, s := range stores {
		spec, pem, ok := strings.Cut(s, "=")
		typ, name, ok2 := strings.Cut(spec, ":")
		if !ok || !ok2 {
			return errors.Errorf("--trust-store %q: want TYPE:NAME=PEMFILE", s)
		}
		bundle, err := os.ReadFile(pem)
		if err != nil {
			return err
		}
		tsPath := filepath.Join(notationDir, "truststore", "x509", typ, name)
		if err := os.MkdirAll(tsPath, 0700); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tsPath, "certificates.crt"), bundle, 0600); err != nil {
			return err
		}
	}
	return nil
}

// refreshVerifiers is notationfactory.RefreshVerifiers: one verifier per *.json in NOTATION_DIR,
// with the X509 trust store of NOTATION_DIR and notation-go's CLI plugin manager (nested layout).
func refreshVerifiers(log *zap.SugaredLogger, notationDir string) (map[string]*notation.Verifier, error) {
	verifiers := make(map[string]*notation.Verifier)
	entries, err := os.ReadDir(notationDir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		fileName := filepath.Join(notationDir, e.Name())
		doc, err := loadTrustPolicy(fileName)
		if err != nil {
			return nil, err
		}
		x509TrustStore := truststore.NewX509TrustStore(dir.ConfigFS())
		v, err := verifier.New(doc, x509TrustStore, plugin.NewCLIManager(dir.PluginFS()))
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(fileName), filepath.Ext(fileName))
		verifiers[name] = &v
		log.Infof("Added verifier to the list for trust policy %s", name)
	}
	return verifiers, nil
}

func loadTrustPolicy(path string) (*trustpolicy.Document, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().IsDir() || fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("trust policy is not a regular file (symlinks are not supported) path: %s", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc := &trustpolicy.Document{}
	if err := json.NewDecoder(f).Decode(doc); err != nil {
		return nil, fmt.Errorf("malformed trust policy path: %s", path)
	}
	return doc, nil
}

func verifyImages(ctx context.Context, log *zap.SugaredLogger, verifiers map[string]*notation.Verifier, trustPolicy string,
	images []string, pluginConfigMap map[string]string, debug, plainHTTP bool, maxSigAttempts int) responseData {
	resp := responseData{Verified: true, Results: []jsonPatchOp{}}
	failed := func(msg string) responseData {
		log.Errorf("Verification failed with error %s", msg)
		return responseData{Verified: false, ErrorMessage: msg, Results: []jsonPatchOp{}}
	}
	if trustPolicy == "" {
		trustPolicy = os.Getenv(envDefaultTrustPolicy)
	}
	if trustPolicy == "" {
		return failed(fmt.Sprintf("failed to create notation verifier: no trust policy specified, please specify a trust policy in request or set %s env", envDefaultTrustPolicy))
	}
	nv, ok := verifiers[trustPolicy]
	if !ok {
		return failed(fmt.Sprintf("failed to create notation verifier: no trust policy found for trust policy %s", trustPolicy))
	}
	for i, image := range images {
		container := fmt.Sprintf("c%d", i)
		digest, err := verifyReferences(ctx, log, nv, image, pluginConfigMap, debug, plainHTTP, maxSigAttempts)
		if err != nil {
			err = errors.Wrapf(err, "failed to verify image %s", image)
			log.Errorf("failed to verify container %s: %s", container, err.Error())
			return failed(fmt.Sprintf("failed to verify container %s: %v", container, err.Error()))
		}
		// Kyverno's ImageInfo.String() after the digest is set: registry/path@digest (no tag).
		ref := image
		if at := strings.LastIndex(ref, "@"); at >= 0 {
			ref = ref[:at]
		}
		if colon := strings.LastIndex(ref, ":"); colon > strings.LastIndex(ref, "/") {
			ref = ref[:colon]
		}
		resp.Results = append(resp.Results, jsonPatchOp{Operation: "replace",
			Path: fmt.Sprintf("/spec/containers/%d/image", i), Value: ref + "@" + digest})
	}
	return resp
}

// verifyReferences follows the extension's verifier.verifyReferences.
func verifyReferences(ctx context.Context, log *zap.SugaredLogger, nv *notation.Verifier, image string,
	pluginConfigMap map[string]string, debug, plainHTTP bool, maxSigAttempts int) (string, error) {
	log.Infof("verifying image %s", image)
	repo, reference, err := parseReferenceAndResolveDigest(ctx, image, plainHTTP)
	if err != nil {
		return "", errors.Wrapf(err, "failed to resolve digest")
	}
	pluginConfig := map[string]string{}
	for k, v := range pluginConfigMap {
		pluginConfig[k] = v
	}
	opts := notation.VerifyOptions{
		ArtifactReference:    reference.String(),
		MaxSignatureAttempts: maxSigAttempts,
		PluginConfig:         pluginConfig,
	}
	nlog := notationlog.WithLogger(ctx, notationlog.Discard)
	if debug {
		pluginConfig["debug"] = "true"
		nlog = notationlog.WithLogger(ctx, log)
	}
	desc, outcomes, err := notation.Verify(nlog, *nv, repo, opts)
	if err != nil {
		log.Infof("Verfication failed %v", err)
		return "", err
	}
	var errs []error
	for _, o := range outcomes {
		if o.Error != nil {
			errs = append(errs, o.Error)
		}
	}
	if len(errs) > 0 {
		return "", multierr.Combine(errs...)
	}
	log.Infof("successfully verified image %s digest %s", image, desc.Digest.String())
	return desc.Digest.String(), nil
}

func parseReferenceAndResolveDigest(ctx context.Context, ref string, plainHTTP bool) (notationregistry.Repository, registry.Reference, error) {
	if !strings.Contains(ref, "/") {
		ref = "docker.io/library/" + ref
	}
	if !strings.Contains(ref, ":") {
		ref = ref + ":latest"
	}
	parsed, err := registry.ParseReference(ref)
	if err != nil {
		return nil, registry.Reference{}, errors.Wrapf(err, "failed to parse reference %s", ref)
	}
	repo, err := remote.NewRepository(ref)
	if err != nil {
		return nil, registry.Reference{}, errors.Wrapf(err, "failed to initialize repository")
	}
	// The extension builds an auth.Client from its keychains (no credentials for our registry).
	client := &auth.Client{Cache: auth.NewCache(), ClientID: "notation"}
	client.SetUserAgent("kyverno.io")
	repo.Client = client
	repo.PlainHTTP = plainHTTP
	repository := notationregistry.NewRepository(repo)
	if !strings.Contains(strings.SplitN(ref, "/", 2)[1], "@") {
		// The extension resolves tags with go-containerregistry; oras resolves the same manifest.
		desc, err := repo.Resolve(ctx, parsed.Reference)
		if err != nil {
			return nil, registry.Reference{}, errors.Wrapf(err, "failed to resolve digest")
		}
		parsed.Reference = desc.Digest.String()
	}
	return repository, parsed, nil
}
