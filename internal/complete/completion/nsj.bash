# bash completion for nsj: source it, or install it as
# PREFIX/share/bash-completion/completions/nsj beside PREFIX/bin/nsj
# (make install does; bash-completion looks there for PREFIX/bin's commands).
# The candidates come from `nsj --complete`, which asks containerd for task
# IDs and namespaces with the -a/-n already typed.
_nsj() {
	local cur=${COMP_WORDS[COMP_CWORD]} IFS=$'\n' out
	out=$(nsj --complete -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return
	case $out in
	__files__) COMPREPLY=($(compgen -f -- "$cur")) ;;
	__dirs__) COMPREPLY=($(compgen -d -- "$cur")) ;;
	__commands__) COMPREPLY=($(compgen -c -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$out" -- "$cur")) ;;
	esac
}
complete -F _nsj nsj
