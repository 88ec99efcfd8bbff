#compdef nsj
# zsh completion for nsj: put it in your $fpath as _nsj (make install puts
# it in PREFIX/share/zsh/site-functions, or /usr/share/zsh/vendor-completions
# for PREFIX=/usr), or source it. The candidates come from `nsj --complete`.
_nsj() {
	local -a out
	out=("${(@f)$(nsj --complete -- "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null)}")
	case $out[1] in
	__files__) _files ;;
	__dirs__) _files -/ ;;
	__commands__) _command_names -e ;;
	*) compadd -- "${(@)out}" ;;
	esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
	_nsj "$@"
else
	compdef _nsj nsj
fi
