build-dev/tools/iscsi-gen: tests/tools/iscsi-gen.c
