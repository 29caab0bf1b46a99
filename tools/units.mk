# The reference systemd units and Quadlet files of systemd/ (included by the
# top Makefile; works on its own too: make -f tools/units.mk install-units).
#
#   make install-units               for you: ~/.config/systemd/user and
#                                    ~/.config/containers/systemd
#   make install-units UNITS=system  for the system: /etc/systemd/system and
#                                    /etc/containers/systemd (as root)
#   make uninstall-units [UNITS=system]
#   make check-lab                   tests/5x-*.bats: every unit under a real
#                                    systemd (systemd 252 and 257 labs in
#                                    containers; root and podman; first run
#                                    ~5 min to build the labs)
#
# Quadlet or not: every X.container in systemd/ has a plain twin X.service
# that runs the same `podman run` for podmans without Quadlet (< 4.4).
# QUADLET=yes installs the .container files, QUADLET=no the twins; the
# default is yes when podman's quadlet generator is installed. The other
# flavour's files are removed from the target directories, so an old twin
# cannot shadow the generated service.
# User-only units (podman-usernamespace.service, echo-restrict.*) and
# system-only ones (httpd-system@.*, echo-openfile.service: OpenFile=
# takes no %t) go only where they work.
#
# Variables: UNITS (user|system), QUADLET (yes|no), DESTDIR,
# USER_UNITDIR, USER_QUADLETDIR, SYSTEM_UNITDIR, SYSTEM_QUADLETDIR.
# After installing: systemctl [--user] daemon-reload, then start a socket,
# e.g. systemctl --user start echo.socket (each file's header says how to
# test it).

# Wherever this is included, it does not change the default goal.
_units_prev_goal := $(.DEFAULT_GOAL)
_units_top := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))/..
UNITS_SRCDIR := $(_units_top)/systemd
INSTALL ?= install
UNITS ?= user

_units_config := $(if $(XDG_CONFIG_HOME),$(XDG_CONFIG_HOME),$(HOME)/.config)
USER_UNITDIR ?= $(_units_config)/systemd/user
USER_QUADLETDIR ?= $(_units_config)/containers/systemd
SYSTEM_UNITDIR ?= /etc/systemd/system
SYSTEM_QUADLETDIR ?= /etc/containers/systemd
# The man pages the units name in Documentation=, where man finds them:
# for a user, beside ~/.local/bin; for the system, under PREFIX.
USER_MANDIR ?= $(if $(XDG_DATA_HOME),$(XDG_DATA_HOME),$(HOME)/.local/share)/man
SYSTEM_MANDIR ?= $(if $(MANDIR),$(MANDIR),/usr/local/share/man)
UNITS_MANS := $(_units_top)/echo/socket-activate-echo.1 $(_units_top)/httpd/socket-activate-httpd.1

QUADLET ?= $(if $(wildcard /usr/libexec/podman/quadlet /usr/lib/podman/quadlet),yes,no)

UNITS_USER_ONLY = podman-usernamespace.service echo-restrict.socket echo-restrict.service
UNITS_SYSTEM_ONLY = httpd-system@.socket httpd-system@.service echo-openfile.service

_units_containers := $(notdir $(wildcard $(UNITS_SRCDIR)/*.container))
_units_twins := $(_units_containers:.container=.service)
_units_files := $(notdir $(wildcard $(UNITS_SRCDIR)/*.socket $(UNITS_SRCDIR)/*.service))

ifeq ($(UNITS),system)
_units_dir = $(SYSTEM_UNITDIR)
_units_qdir = $(SYSTEM_QUADLETDIR)
_units_mandir = $(SYSTEM_MANDIR)
_units_skip = $(UNITS_USER_ONLY)
_units_manager = systemctl
else
_units_dir = $(USER_UNITDIR)
_units_qdir = $(USER_QUADLETDIR)
_units_mandir = $(USER_MANDIR)
_units_skip = $(UNITS_SYSTEM_ONLY)
_units_manager = systemctl --user
endif
_units_check = case '$(UNITS)' in user | system) ;; \
	*) echo "UNITS must be user or system, not '$(UNITS)'" >&2; exit 2 ;; esac

ifeq ($(QUADLET),yes)
_units_install = $(filter-out $(_units_skip) $(_units_twins),$(_units_files))
_units_quadlets = $(_units_containers)
_units_stale = $(_units_twins)
else
_units_install = $(filter-out $(_units_skip),$(_units_files))
_units_quadlets =
_units_stale = $(_units_containers)
endif

.PHONY: install-units uninstall-units check-lab

install-units:
	@$(_units_check)
	$(INSTALL) -d $(DESTDIR)$(_units_dir)
	$(INSTALL) -m 644 $(addprefix $(UNITS_SRCDIR)/,$(_units_install)) $(DESTDIR)$(_units_dir)/
ifeq ($(QUADLET),yes)
	$(INSTALL) -d $(DESTDIR)$(_units_qdir)
	$(INSTALL) -m 644 $(addprefix $(UNITS_SRCDIR)/,$(_units_quadlets)) $(DESTDIR)$(_units_qdir)/
	rm -f $(addprefix $(DESTDIR)$(_units_dir)/,$(_units_stale))
else
	rm -f $(addprefix $(DESTDIR)$(_units_qdir)/,$(_units_stale))
endif
	$(INSTALL) -d $(DESTDIR)$(_units_mandir)/man1
	$(INSTALL) -m 644 $(UNITS_MANS) $(DESTDIR)$(_units_mandir)/man1/
	@echo "installed $(words $(_units_install) $(_units_quadlets)) files for the $(UNITS) manager (Quadlet: $(QUADLET));"
	@echo "next: $(_units_manager) daemon-reload && $(_units_manager) start echo.socket"

# Every file install-units may have put there, either flavour, each named
# as it goes. Stop what runs first (systemctl [--user] stop echo.socket
# echo.service ...): a removed unit's processes stay until then.
uninstall-units:
	@$(_units_check)
	rm -fv $(addprefix $(DESTDIR)$(_units_dir)/,$(_units_files))
	rm -fv $(addprefix $(DESTDIR)$(_units_qdir)/,$(_units_containers))
	rm -fv $(addprefix $(DESTDIR)$(_units_mandir)/man1/,$(notdir $(UNITS_MANS)))
	@echo "next: $(_units_manager) daemon-reload"

check-lab:
	$(_units_top)/tests/run $(sort $(wildcard $(_units_top)/tests/5[0-9]-*.bats))

.DEFAULT_GOAL := $(_units_prev_goal)
