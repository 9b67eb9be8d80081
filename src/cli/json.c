/* JSON output of info and validate: strings escaped, numbers that read
 * back exactly, NaN and infinities as null (JSON has neither). */
#include "cli.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

void cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
        switch (*c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            /* UTF-8 passes as it is; other control characters escaped */
            if (*c < 0x20 || *c == 0x7f)
                fprintf(out, "\\u%04x", *c);
            else
                fputc(*c, out);
        }
    }
    fputc('"', out);
}

void cli_json_number(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    char buf[32];
    if (v == floor(v) && fabs(v) < 1e15) {
        fprintf(out, "%.0f", v); /* 10, not 1e+01 */
        return;
    }
    /* the shortest digits that read back as v */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

void cli_json_string_member(FILE *out, const char *key, const char *s)
{
    fprintf(out, ", \"%s\": ", key);
    cli_json_string(out, s);
}

void cli_json_number_member(FILE *out, const char *key, double v)
{
    fprintf(out, ", \"%s\": ", key);
    cli_json_number(out, v);
}

static const char *digits(const char *c)
{
    while (*c >= '0' && *c <= '9')
        c++;
    return c;
}

/* Whether text is a number as JSON writes one (no ".5", "0x1", "inf"). */
static bool json_number_text(const char *c)
{
    if (*c == '-')
        c++;
    if (*c == '0')
        c++;
    else if (*c >= '1' && *c <= '9')
        c = digits(c);
    else
        return false;
    if (*c == '.') {
        const char *d = digits(++c);
        if (d == c)
            return false;
        c = d;
    }
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-')
            c++;
        const char *d = digits(c);
        if (d == c)
            return false;
        c = d;
    }
    return *c == '\0';
}

void cli_json_text_value(FILE *out, const char *text)
{
    if (json_number_text(text))
        fputs(text, out); /* a number as the file has it */
    else
        cli_json_string(out, text);
}
