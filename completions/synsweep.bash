# bash completion for synsweep(1): commands, each command's options, model
# names, parameter names after --set, and files where a file goes.
# The names come from the program being completed (its hidden
# --list-commands, COMMAND --list-options, --list-models and --list-params
# [MODEL]), so they are those of its own tables, never a stale copy.
# Needs bash only (not the bash-completion package).

# _synsweep_ask PROGRAM ARGS...: what the program lists, nothing on error
_synsweep_ask()
{
    command "$@" 2>/dev/null
}

_synsweep()
{
    local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=
    local IFS=$'\n'
    COMPREPLY=()
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # --output=FILE: bash splits the word at '=' (COMP_WORDBREAKS)
    if [[ $prev == = ]]; then
        ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 2]}
        [[ $prev == --* ]] || return 0 # NAME=VALUE of --set or --at
    fi
    if ((COMP_CWORD == 1)); then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W $'--help\n--version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_synsweep_ask "$prog" --list-commands)" -- "$cur"))
        fi
        return 0
    fi
    local cmd=${COMP_WORDS[1]} options long short kind takes_value=
    options=$(_synsweep_ask "$prog" "$cmd" --list-options) || return 0
    # is prev an option of cmd that takes a value?
    while IFS=' ' read -r long short kind; do
        if [[ $kind == value && ($prev == "$long" || $prev == "$short") ]]; then
            takes_value=$long
        fi
    done <<<"$options"
    # the first argument after the command (trial's MODEL), skipping options
    # and their values
    local i word model= skip=
    for ((i = 2; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ -n $skip ]]; then
            skip=
        elif [[ $word == -* ]]; then
            while IFS=' ' read -r long short kind; do
                [[ $kind == value && ($word == "$long" || $word == "$short") ]] && skip=1
            done <<<"$options"
        elif [[ $word != = && -z $model ]]; then
            model=$word
        fi
    done
    case $takes_value in
    --set)
        # NAME= of the model's parameters (all of them before a model)
        local names
        if [[ -n $model ]]; then
            names=$(_synsweep_ask "$prog" --list-params "$model")
        else
            names=$(_synsweep_ask "$prog" --list-params)
        fi
        COMPREPLY=($(compgen -S = -W "$(cut -f1 <<<"$names")" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return 0
        ;;
    --kernel)
        COMPREPLY=($(compgen -W $'fast\nreference' -- "$cur"))
        return 0
        ;;
    --shard)
        COMPREPLY=($(compgen -W auto -- "$cur"))
        return 0
        ;;
    --output)
        COMPREPLY=($(compgen -f -- "$cur"))
        compopt -o filenames 2>/dev/null
        return 0
        ;;
    ?*) return 0 ;; # a number or NAME=VALUE: nothing to offer
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(while IFS=' ' read -r long short kind; do
            [[ $long != - ]] && echo "$long"
            [[ $short != - ]] && echo "$short"
        done <<<"$options")" -- "$cur"))
        return 0
    fi
    case $cmd in
    trial)
        [[ -z $model ]] &&
            COMPREPLY=($(compgen -W "$(_synsweep_ask "$prog" --list-models)" -- "$cur"))
        ;;
    run | validate | trace)
        # a SPEC: YAML files and directories
        [[ -z $model ]] && COMPREPLY=($(compgen -o plusdirs -f -X '!*.y*ml' -- "$cur"))
        compopt -o filenames 2>/dev/null
        ;;
    *)
        # merge's and info's files
        COMPREPLY=($(compgen -o plusdirs -f -X '!*.h5' -- "$cur")
            $(compgen -f -X '!*.nc' -- "$cur"))
        compopt -o filenames 2>/dev/null
        ;;
    esac
    return 0
}
complete -F _synsweep synsweep
