# bash completion for iscsiwatch(8). The option lists follow the option
# table in cli/options.c; tests/cap/install.sh fails when they differ.
_iscsiwatch()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local with_arg="-r -i -p -B -s -Z -c --duration --json --mof --html --events
		--perspective --max-flows --flow-idle --ooo-cap-stream
		--ooo-cap-total --max-sessions --text-cap --listen --export-every
		--syslog-socket --keep-ended --keep-ended-max"
	local without_arg="--no-promisc --tui --no-tui --realtime --pdus --mof-schema -v
		--verbose -h --help --version --syslog --ignore-vlan --wide"
	case $prev in
	-r | --json | --mof | --html | --events | --syslog-socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-i)
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return ;;
	-Z)
		COMPREPLY=($(compgen -u -- "$cur"))
		return ;;
	--perspective)
		COMPREPLY=($(compgen -W "target initiator" -- "$cur"))
		return ;;
	-p | -B | -s | -c | --duration | --max-flows | --flow-idle | \
	--ooo-cap-stream | --ooo-cap-total | --max-sessions | --text-cap | \
	--export-every | --listen | --keep-ended | --keep-ended-max)
		return ;; # a number (or ADDR:PORT)
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$with_arg $without_arg" -- "$cur"))
	fi
}
complete -o filenames -F _iscsiwatch iscsiwatch
