# Every suite under tests/, declared once with its labels (tests/README.md says what each one
# covers). A tests/test_*.c or tests/test_*.sh that is not declared here stops the configure.
#
#   pdh_suite(NAME [LABELS label...] [VALGRIND_TIMEOUT seconds])
#
# Labels:
#   binary    the suite runs the pdhooks binary (PDH_BIN);
#   valgrind  with -DPDH_VALGRIND=ON it runs again, as valgrind_NAME (label valgrind), with
#             PDH_BIN a wrapper that runs pdhooks under valgrind. Every binary suite has it
#             unless the line says why not.

# Pure parts, called from C.
pdh_suite(test_alloc)
pdh_suite(test_attr)
pdh_suite(test_client)
pdh_suite(test_desired)
pdh_suite(test_diag)
pdh_suite(test_export)
pdh_suite(test_fleet_unit)
pdh_suite(test_health)
pdh_suite(test_iso_time)
pdh_suite(test_json_quick)
pdh_suite(test_live)
pdh_suite(test_manage_types)
pdh_suite(test_markdown)
pdh_suite(test_openapi_contract)
pdh_suite(test_plan)
pdh_suite(test_plan_unit)
pdh_suite(test_planfile)
pdh_suite(test_read_file)
pdh_suite(test_render_json)
pdh_suite(test_retry)
pdh_suite(test_sha256)
pdh_suite(test_url)
pdh_suite(test_util_clock)
pdh_suite(test_varref)

# Core and the fake over real HTTP, without the pdhooks binary.
pdh_suite(test_client_http)
pdh_suite(test_fake_companies)
pdh_suite(test_fake_faults)
pdh_suite(test_fake_health)
pdh_suite(test_fake_oauth)

# The pdhooks binary, usually against pdhooks-fake.
pdh_suite(test_apply LABELS binary valgrind)
pdh_suite(test_apply_422 LABELS binary valgrind)
pdh_suite(test_apply_delete_first LABELS binary valgrind)
pdh_suite(test_apply_json_errors LABELS binary valgrind)
pdh_suite(test_apply_reliability LABELS binary valgrind)
pdh_suite(test_apply_stream LABELS binary valgrind)
pdh_suite(test_apps LABELS binary valgrind)
pdh_suite(test_apps_export LABELS binary valgrind)
pdh_suite(test_cli LABELS binary valgrind)
pdh_suite(test_cli_input LABELS binary valgrind)
pdh_suite(test_cli_table LABELS binary valgrind)
pdh_suite(test_completion LABELS binary valgrind)
pdh_suite(test_fake LABELS binary valgrind)
pdh_suite(test_closed_accounts LABELS binary valgrind)
pdh_suite(test_correlation LABELS binary valgrind)
pdh_suite(test_fleet LABELS binary valgrind)
pdh_suite(test_fleet_desired LABELS binary valgrind)
pdh_suite(test_fleet_file LABELS binary valgrind)
pdh_suite(test_fleet_merge_forged LABELS binary valgrind)
pdh_suite(test_fleet_merge_text LABELS binary valgrind)
pdh_suite(test_fleet_same_company LABELS binary valgrind)
pdh_suite(test_oauth_refresh LABELS binary valgrind)
pdh_suite(test_run_same_output LABELS binary valgrind)
pdh_suite(test_owners LABELS binary valgrind)
pdh_suite(test_hostile LABELS binary valgrind)
pdh_suite(test_limits LABELS binary valgrind)
pdh_suite(test_listing_ids LABELS binary valgrind)
pdh_suite(test_listing_waits LABELS binary valgrind)
pdh_suite(test_meter LABELS binary valgrind)
pdh_suite(test_metrics_file LABELS binary valgrind)
pdh_suite(test_listing_times LABELS binary valgrind)
pdh_suite(test_monitor LABELS binary valgrind)
pdh_suite(test_output_files LABELS binary valgrind)
pdh_suite(test_outputs_fake LABELS binary valgrind)
pdh_suite(test_outputs_hostile LABELS binary valgrind)
pdh_suite(test_plan_cli LABELS binary valgrind)
pdh_suite(test_plan_target LABELS binary valgrind)
pdh_suite(test_secrets_env LABELS binary valgrind)
pdh_suite(test_secrets_everywhere LABELS binary valgrind)
pdh_suite(test_target LABELS binary valgrind)
pdh_suite(test_tls LABELS binary valgrind)
pdh_suite(test_validate LABELS binary valgrind)
pdh_suite(test_version_json LABELS binary valgrind)

# Scripts that run the pdhooks binary.
pdh_suite(test_docs LABELS binary valgrind)
pdh_suite(test_examples_fleet LABELS binary valgrind)
pdh_suite(test_fleet_schema LABELS binary valgrind)
pdh_suite(test_manpage_yaml LABELS binary valgrind)
pdh_suite(test_monitor_examples LABELS binary valgrind)
# every case of testdata/plan through pdhooks: about 12 minutes under valgrind
pdh_suite(test_plan_json LABELS binary valgrind VALGRIND_TIMEOUT 1800)
pdh_suite(test_readme LABELS binary valgrind)
pdh_suite(test_schema LABELS binary valgrind)
pdh_suite(test_secrets LABELS binary valgrind)
pdh_suite(test_validate_formats LABELS binary valgrind)
pdh_suite(test_metrics_labels LABELS binary valgrind)
pdh_suite(test_schema_urls LABELS binary valgrind)
pdh_suite(test_version LABELS binary valgrind)
pdh_suite(test_http2 LABELS binary valgrind)
# Not under valgrind: it checks that the action installs the very binary it was given, and a
# wrapper script is not that binary.
pdh_suite(test_action LABELS binary)
# Not under valgrind: it installs a release's package (dpkg -x) and runs that pdhooks.
pdh_suite(test_action_install LABELS binary)
# A stand-in prints nothing in place of pdhooks: nothing of pdhooks runs.
pdh_suite(test_action_silent)

# The tree, the build and the package.
pdh_suite(test_core_map)
pdh_suite(test_deps)
pdh_suite(test_fake_openapi)
pdh_suite(test_package)
