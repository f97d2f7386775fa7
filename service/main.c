/* signer-local: the local AWS Signer's command line.
 *
 *   signer-local [--store DIR] <command> [options]
 *
 * Commands carry the names of `aws signer` subcommands and print what the AWS CLI v2 prints for
 * them (--output json). This file owns the process: global flags, the command table, the
 * environment, usage text, error reporting and the exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

enum {
    EXIT_USAGE = 2,    /* a bad command line, like argparse */
    EXIT_SERVICE = 254, /* the Signer answered with an error, like the AWS CLI v2 */
    EXIT_OTHER = 255
};

/* The explicit command table: name, operation or handler, one-line summary. */
const sl_command sl_commands[] = {
    {"init", NULL, sl_cmd_init,
     "Create the store with a chosen region and account id (other commands create it with "
     "region \"local\" and account 000000000000 on first use)."},
    {"put-signing-profile", &sl_op_put_signing_profile, NULL,
     "Create a signing profile, or a new version of an existing one (PutSigningProfile)."},
    {"get-signing-profile", &sl_op_get_signing_profile, NULL,
     "Describe a signing profile (GetSigningProfile)."},
    {"list-signing-profiles", &sl_op_list_signing_profiles, NULL,
     "List signing profiles; Canceled ones only with --include-canceled or --statuses "
     "(ListSigningProfiles)."},
    {"cancel-signing-profile", &sl_op_cancel_signing_profile, NULL,
     "Cancel a signing profile: no new signatures (CancelSigningProfile)."},
    {"revoke-signing-profile", &sl_op_revoke_signing_profile, NULL,
     "Revoke a profile version: signatures made at or after --effective-time are revoked "
     "(RevokeSigningProfile)."},
    {"revoke-signature", &sl_op_revoke_signature, NULL,
     "Revoke the signature of one signing job (RevokeSignature)."},
    {"describe-signing-job", &sl_op_describe_signing_job, NULL,
     "Describe a signing job (DescribeSigningJob)."},
    {"list-signing-jobs", &sl_op_list_signing_jobs, NULL,
     "List signing jobs (ListSigningJobs)."},
    {"list-signing-platforms", &sl_op_list_signing_platforms, NULL,
     "List signing platforms (ListSigningPlatforms)."},
    {"get-signing-platform", &sl_op_get_signing_platform, NULL,
     "Describe a signing platform (GetSigningPlatform)."},
    {"sign-payload", &sl_op_sign_payload, NULL,
     "Sign a payload: --payload fileb://PATH (raw bytes), file://PATH (the file's text) or "
     "base64; --signature-format jws (default) or cose (SignPayload)."},
    {"get-revocation-status", &sl_op_get_revocation_status, NULL,
     "Which of a signature's entities are revoked (GetRevocationStatus)."},
    {"revoke-certificate", &sl_op_revoke_certificate, NULL,
     "Revoke a certificate the store issued, by the hex SHA-384 of its TBSCertificate "
     "(extension)."},
    {"add-profile-permission", &sl_op_add_profile_permission, NULL,
     "Let another account (--principal ACCOUNT_ID or a role ARN) use a profile for one action: "
     "signer:SignPayload, signer:GetSigningProfile or signer:RevokeSignature for Notation "
     "profiles; the first statement needs no --revision-id, later ones the current one "
     "(AddProfilePermission)."},
    {"list-profile-permissions", &sl_op_list_profile_permissions, NULL,
     "List a profile's permission statements, its revisionId and policy size "
     "(ListProfilePermissions)."},
    {"remove-profile-permission", &sl_op_remove_profile_permission, NULL,
     "Remove a permission statement; --revision-id must be the current one "
     "(RemoveProfilePermission)."},
    {"tag-resource", &sl_op_tag_resource, NULL,
     "Add tags to a signing profile, by its ARN; at most 50 per profile (TagResource)."},
    {"untag-resource", &sl_op_untag_resource, NULL,
     "Remove tags from a signing profile, by key (UntagResource)."},
    {"list-tags-for-resource", &sl_op_list_tags_for_resource, NULL,
     "List a signing profile's tags (ListTagsForResource)."},
    {"create-access-key", &sl_op_create_access_key, NULL,
     "Create an access key for `serve` for --account-id (and --principal, default the "
     "account's root); --temporary makes an ASIA key with a session token that expires after "
     "--duration-seconds (default 43200). Prints the secret once, as `aws iam "
     "create-access-key` does (extension)."},
    {"list-access-keys", &sl_op_list_access_keys, NULL,
     "List access keys, of one --account-id or all, without secrets (extension)."},
    {"update-access-key", &sl_op_update_access_key, NULL,
     "Set an access key's --status to Active or Inactive (extension)."},
    {"delete-access-key", &sl_op_delete_access_key, NULL,
     "Delete an access key (extension)."},
    {"serve", NULL, sl_cmd_serve,
     "Serve the AWS Signer REST API over HTTP (loopback) or HTTPS (--tls-cert, --tls-key), "
     "authenticated with SigV4 against the store's access keys: --listen HOST:PORT (default "
     "127.0.0.1:8484), --port-file FILE, --audit-log FILE (default <store>/audit.jsonl), "
     "--quota RPS per account, --threads N, --audit-reads-async (read-only calls do not wait "
     "for the audit line's fdatasync); GET /health answers unauthenticated; SIGTERM "
     "drains (extension)."},
    {"lookup-events", NULL, sl_cmd_lookup_events,
     "Print the audit trail of `serve` as `aws cloudtrail lookup-events` prints CloudTrail's: "
     "{\"Events\": [...]}, newest first; filters --start-time, --end-time, --event-name, "
     "--principal ARN, --resource-name ARN|NAME, --max-results N (default 50); --audit-log FILE "
     "(default <store>/audit.jsonl) (extension)."},
    {"export-root", NULL, sl_cmd_export_root,
     "Print the store's root certificate as PEM, or write it to --output-file (extension)."},
    {"install-notation-trust", NULL, sl_cmd_install_notation_trust,
     "Install the store's root as a notation signingAuthority trust store and add a trust "
     "policy statement trusting the store's Notation profiles, Canceled and Revoked ones "
     "included (extension)."},
    {"validate-trust-policy", NULL, sl_cmd_validate_trust_policy,
     "Check a notation trust policy file against notation's rules and this plugin's, and "
     "(when --notation-config is given or the default notation directory exists) that its "
     "trust stores exist and hold certificates; print every problem with the change that fixes "
     "it. Exit status 0 when there is no error, 1 when there is (extension)."},
};
const size_t sl_n_commands = sizeof(sl_commands) / sizeof(sl_commands[0]);

static const sl_command *find_command(const char *name)
{
    size_t i;

    for (i = 0; i < sl_n_commands; i++)
        if (strcmp(sl_commands[i].name, name) == 0)
            return &sl_commands[i];
    return NULL;
}

static int print_help(void)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    size_t i;
    int rc;

    rc = sgn_buf_printf(&b, &err,
                        "%s\n\n"
                        "A local AWS Signer: signing profiles, signing jobs and revocation with "
                        "real keys and\na real CA, state in a SQLite store. Commands and output "
                        "follow `aws signer`.\n\n"
                        "Store directory: --store DIR, else $%s, else "
                        "$XDG_DATA_HOME/signer-local,\nelse ~/.local/share/signer-local.\n"
                        "Caller: the store's account root, or --caller-principal ARN "
                        "(arn:aws:iam::ACCOUNT:root|user/NAME|role/NAME)\nto act as another "
                        "account or principal.\n"
                        "The store must belong to the user running this; root may change "
                        "another user's store\nwith --allow-other-owner (or "
                        "SIGNER_LOCAL_ALLOW_OTHER_OWNER=1).\n\n"
                        "Commands:\n",
                        SL_USAGE, SGN_LOCAL_STORE_ENV);
    for (i = 0; rc == SGN_OK && i < sl_n_commands; i++) {
        if ((rc = sgn_buf_printf(&b, &err, "  %s\n", sl_commands[i].name)) == SGN_OK)
            rc = sl_wrap(&b, sl_commands[i].summary, 6, SL_HELP_WIDTH, &err);
    }
    if (rc == SGN_OK)
        rc = sgn_buf_printf(&b, &err,
                            "  version\n      Print the version.\n"
                            "  help [<command>]\n      Print this text, or a command's usage.\n\n"
                            "Run '%s <command> --help' for a command's options.\n",
                            SL_PROG);
    if (rc == SGN_OK)
        rc = sl_write_stdout(sgn_buf_cstr(&b), b.len, &err);
    sgn_buf_free(&b);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", SL_PROG, err.msg);
        return EXIT_OTHER;
    }
    return EXIT_SUCCESS;
}

static int usage_exit(const sl_ctx *ctx, const char *msg)
{
    fprintf(stderr, "%s\n", SL_USAGE);
    if (ctx->cmd != NULL)
        fprintf(stderr, "       %s [--store DIR] %s%s%s\n", SL_PROG, ctx->cmd->name,
                ctx->synopsis.len ? " " : "", sgn_buf_cstr(&ctx->synopsis));
    fprintf(stderr, "%s: error: %s\n", SL_PROG, msg);
    return EXIT_USAGE;
}

/* Turn a command's outcome into stderr text and an exit status. */
static int report(const sl_ctx *ctx, int rc, const sgn_error *err)
{
    if (rc >= 0)
        return EXIT_SUCCESS;
    if (ctx->usage_error)
        return usage_exit(ctx, err->msg);
    if (err->svc_code[0] != '\0' && ctx->operation != NULL) {
        /* Exactly the AWS CLI v2's form and status for a service error. */
        fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n",
                err->svc_code, ctx->operation, err->msg);
        return EXIT_SERVICE;
    }
    fprintf(stderr, "%s: %s\n", SL_PROG, err->msg[0] ? err->msg : sgn_code_name(rc));
    return EXIT_OTHER;
}

/* "--store DIR" or "--store=DIR" at argv[*i]: take the value and advance *i past it.
 * Returns 1 if it was --store, 0 if not, -1 for a missing value. */
static int take_store(sl_ctx *ctx, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];

    if (strncmp(arg, "--store=", 8) == 0) {
        ctx->store_opt = arg + 8;
    } else if (strcmp(arg, "--store") == 0) {
        if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0)
            return -1;
        ctx->store_opt = argv[++*i];
    } else {
        return 0;
    }
    (*i)++;
    return 1;
}

int main(int argc, char **argv)
{
    sl_ctx ctx = {0};
    sgn_error err = SGN_ERROR_INIT;
    const sl_command *cmd;
    char **args = NULL;
    int i = 1, n = 0, rc, status, help_for_command = 0;

    ctx.env.signer_local_store = getenv(SGN_LOCAL_STORE_ENV);
    ctx.env.xdg_data_home = getenv("XDG_DATA_HOME");
    ctx.env.home = getenv("HOME");
    ctx.env.notation_config = getenv("NOTATION_CONFIG");
    ctx.env.xdg_config_home = getenv("XDG_CONFIG_HOME");
    ctx.env.allow_other_owner = getenv("SIGNER_LOCAL_ALLOW_OTHER_OWNER");
    ctx.allow_other_owner =
        ctx.env.allow_other_owner != NULL && strcmp(ctx.env.allow_other_owner, "1") == 0;

    /* Global options come before the command. */
    while (i < argc && strncmp(argv[i], "-", 1) == 0) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return print_help();
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s %s\n", SL_PROG, SGN_VERSION);
            return EXIT_SUCCESS;
        }
        rc = take_store(&ctx, argc, argv, &i);
        if (rc < 0)
            return usage_exit(&ctx, "argument --store: expected one argument");
        if (rc == 0 && strcmp(argv[i], "--allow-other-owner") == 0) {
            ctx.allow_other_owner = 1;
            i++;
            continue;
        }
        if (rc == 0 && strncmp(argv[i], "--caller-principal", 18) == 0) {
            if (argv[i][18] == '=') {
                ctx.caller_principal = argv[i] + 19;
                i++;
                continue;
            }
            if (argv[i][18] == '\0' && i + 1 < argc) {
                ctx.caller_principal = argv[i + 1];
                i += 2;
                continue;
            }
            return usage_exit(&ctx, "argument --caller-principal: expected one argument");
        }
        if (rc == 0) {
            char msg[512];
            snprintf(msg, sizeof(msg), "unrecognized arguments: %.400s", argv[i]);
            return usage_exit(&ctx, msg);
        }
    }
    if (i >= argc)
        return usage_exit(&ctx, "the following arguments are required: command");
    if (strcmp(argv[i], "version") == 0) {
        if (i + 1 < argc) {
            char msg[512];
            snprintf(msg, sizeof(msg), "unrecognized arguments: %.400s", argv[i + 1]);
            return usage_exit(&ctx, msg);
        }
        printf("%s %s\n", SL_PROG, SGN_VERSION);
        return EXIT_SUCCESS;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            return print_help();
        }
        help_for_command = 1;
        i++;
    }
    cmd = find_command(argv[i]);
    if (cmd == NULL) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "argument command: invalid choice: '%.200s' (run '%s help' for the commands)",
                 argv[i], SL_PROG);
        return usage_exit(&ctx, msg);
    }
    ctx.cmd = cmd;
    i++;

    /* The command's own arguments, less any --store given after the command name. */
    args = calloc((size_t)(argc - i) + 2, sizeof(*args));
    if (args == NULL) {
        fprintf(stderr, "%s: out of memory\n", SL_PROG);
        return EXIT_OTHER;
    }
    if (help_for_command)
        args[n++] = (char *)"--help";
    while (i < argc) {
        rc = take_store(&ctx, argc, argv, &i);
        if (rc < 0) {
            free(args);
            return usage_exit(&ctx, "argument --store: expected one argument");
        }
        if (rc == 0)
            args[n++] = argv[i++];
    }
    if (ctx.store_opt != NULL && ctx.store_opt[0] == '\0') {
        free(args);
        return usage_exit(&ctx, "argument --store: expected a directory");
    }

    if (cmd->op != NULL)
        rc = sl_run_operation(&ctx, cmd->op, n, args, &err);
    else
        rc = cmd->run(&ctx, n, args, &err);
    status = report(&ctx, rc, &err);
    if (status == EXIT_SUCCESS && ctx.exit_status != 0)
        status = ctx.exit_status;
    if (fflush(stdout) != 0 && status == EXIT_SUCCESS) {
        fprintf(stderr, "%s: cannot write the output\n", SL_PROG);
        status = EXIT_OTHER;
    }
    sgn_buf_free(&ctx.synopsis);
    free(args);
    return status;
}
