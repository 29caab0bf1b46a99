#!/usr/bin/env bats
# How httpd/ is built, checked from its object files: each file calls only
# the files below it, top to bottom (tests/tools/callgraph.py reads nm),
# so the writer never reaches up into the connection that uses it.
load helpers

# Top to bottom: the module and its connections, routing and handlers,
# the writer, the pure parts.
HTTPD_LAYERS=main,httpd,client,file,listing,diag,cache,accesslog,response,cond,path,headers,media,request,content,escape,wbuf

@test "layers: httpd/ has no call circle: client -> routing and handlers -> writer -> buffer and escaping" {
	objs=("${BUILD_DIR:-$REPO/build}"/httpd/*.o)
	[ -e "${objs[0]}" ] || skip "no object files in ${BUILD_DIR:-$REPO/build}/httpd (make builds them)"
	run "$TOOLS/callgraph.py" --check "$HTTPD_LAYERS" "${objs[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"cycles: none"* ]]
	# The writer and the bottom call nothing of the module above them.
	! grep -Eq '^(response|escape|wbuf|content|request) -> (client|file|diag|listing|accesslog|httpd) ' <<<"$output"
}
