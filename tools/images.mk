# Container images (included by the top Makefile; works on its own too:
# make -f tools/images.mk images).
#
#   make images            socket-activate-echo and socket-activate-httpd
#   make image-echo        one of them
#   make image-httpd
#   make images-demo       the -demo variants (curl, ip, ss, bash added)
#   make image-echo-demo
#   make image-httpd-demo
#   make image-sizes       the README's size table for the images there are
#                          (tools/image-sizes.sh); images and images-demo
#                          end with it
#   make check-images      tests/40-images.bats (root, podman; builds what
#                          it needs itself)
#
# Every architecture (docs/multiarch.md), cross-compiled, nothing emulated:
#   make images-multiarch  echo and httpd for each of IMAGE_PLATFORMS,
#                          tagged socket-activate-NAME:latest-ARCH
#   make images-multiarch-archive
#                          those, then one manifest list per image as an
#                          oci-archive ready to push:
#                          build/images/socket-activate-NAME-VERSION.oci.tar
#   make image-sizes-multiarch
#                          the size table per architecture
#   make check-images-multiarch
#                          tests/41-images-multiarch.bats (root, podman;
#                          the runs under qemu-user need binfmt_misc)
#
# Each build first makes sure the base image is there
# (tools/bootstrap-base.sh): present, pulled, or, when no registry can be
# reached, debootstrapped from the Debian mirror and tagged under the
# Containerfile's name. Only a bootstrapped base is built with
# --pull=never; otherwise podman's normal pull policy applies.
#
# Variables: PODMAN, BASE_IMAGE, IMAGE_REPO (default localhost), VERSION,
# SOURCE_URL (OCI source label; default: the git remote), PODMAN_BUILD_FLAGS,
# IMAGE_PLATFORMS (default linux/amd64 linux/arm64; docs/multiarch.md says
# which others build), IMAGES_DIR (where the archives go, default
# build/images).

PODMAN ?= podman
BASE_IMAGE ?= docker.io/library/debian:trixie-slim
IMAGE_REPO ?= localhost
VERSION ?= $(shell sed -n 's/^VERSION *= *//p' Makefile)
SOURCE_URL ?= $(shell git remote get-url origin 2>/dev/null | \
	sed -e 's|^git@\([^:]*\):|https://\1/|' -e 's|\.git$$||')
PODMAN_BUILD_FLAGS ?=
IMAGE_PLATFORMS ?= linux/amd64 linux/arm64
IMAGES_DIR ?= build/images

IMAGE_TARGETS = echo httpd echo-demo httpd-demo
# The -demo images add Debian's own curl, ip, ss and bash: built for this
# machine only (another architecture's would need its base image and
# emulation).
MULTIARCH_TARGETS = echo httpd

.PHONY: images images-demo image-base image-sizes check-images \
	$(IMAGE_TARGETS:%=image-%) images-multiarch images-multiarch-archive \
	image-sizes-multiarch check-images-multiarch

IMAGE_NAME = $(IMAGE_REPO)/socket-activate-$(1):latest

images: image-echo image-httpd
	@PODMAN='$(PODMAN)' tools/image-sizes.sh $(call IMAGE_NAME,echo) \
		$(call IMAGE_NAME,httpd)
images-demo: image-echo-demo image-httpd-demo
	@PODMAN='$(PODMAN)' tools/image-sizes.sh $(call IMAGE_NAME,echo-demo) \
		$(call IMAGE_NAME,httpd-demo)
image-sizes:
	@PODMAN='$(PODMAN)' tools/image-sizes.sh \
		$(foreach t,$(IMAGE_TARGETS),$(call IMAGE_NAME,$(t)))

# Prints the pull flag for the builds on its last line.
IMAGE_BASE_CMD = state=$$(mktemp) && \
	BOOTSTRAP_STATE=$$state PODMAN='$(PODMAN)' \
		tools/bootstrap-base.sh '$(BASE_IMAGE)' >&2 && \
	pull= && \
	if [ "$$(cat $$state)" = bootstrapped ]; then pull=--pull=never; fi && \
	rm -f $$state

image-base:
	@$(IMAGE_BASE_CMD)

# image-NAME: tags $(IMAGE_REPO)/socket-activate-NAME:latest and :$(VERSION).
$(IMAGE_TARGETS:%=image-%): image-%:
	@$(IMAGE_BASE_CMD) && \
	echo "$(PODMAN) build $$pull --target $* -t $(IMAGE_REPO)/socket-activate-$*:latest ." && \
	$(PODMAN) build $$pull $(PODMAN_BUILD_FLAGS) \
		--build-arg BASE_IMAGE='$(BASE_IMAGE)' \
		--build-arg VERSION='$(VERSION)' \
		--build-arg SOURCE_URL='$(SOURCE_URL)' \
		--target $* \
		-t $(IMAGE_REPO)/socket-activate-$*:latest \
		-t $(IMAGE_REPO)/socket-activate-$*:$(VERSION) \
		-f Containerfile . && \
	$(PODMAN) image inspect --format \
		'$(IMAGE_REPO)/socket-activate-$*: {{.Size}} bytes' \
		$(IMAGE_REPO)/socket-activate-$*:latest

check-images:
	tests/run tests/40-images.bats

IMAGES_MULTIARCH_ENV = PODMAN='$(PODMAN)' IMAGE_REPO='$(IMAGE_REPO)' \
	IMAGE_PLATFORMS='$(IMAGE_PLATFORMS)' VERSION='$(VERSION)' \
	BASE_IMAGE='$(BASE_IMAGE)' SOURCE_URL='$(SOURCE_URL)' \
	PODMAN_BUILD_FLAGS='$(PODMAN_BUILD_FLAGS)' IMAGES_DIR='$(IMAGES_DIR)'

images-multiarch:
	@$(IMAGE_BASE_CMD) && \
	$(IMAGES_MULTIARCH_ENV) PULL="$$pull" \
		tools/images-multiarch.sh build $(MULTIARCH_TARGETS)
	@$(IMAGES_MULTIARCH_ENV) tools/images-multiarch.sh sizes $(MULTIARCH_TARGETS)

images-multiarch-archive: images-multiarch
	@$(IMAGES_MULTIARCH_ENV) tools/images-multiarch.sh archive $(MULTIARCH_TARGETS)

image-sizes-multiarch:
	@$(IMAGES_MULTIARCH_ENV) tools/images-multiarch.sh sizes $(MULTIARCH_TARGETS)

check-images-multiarch:
	tests/run tests/41-images-multiarch.bats
