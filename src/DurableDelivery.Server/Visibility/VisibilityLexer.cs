namespace DurableDelivery.Server.Visibility;

/// <summary>Splits a visibility list filter into tokens.</summary>
internal static class VisibilityLexer
{
    /// <summary>
    /// Tokenizes <paramref name="query"/>; the list always ends with a <see cref="VisibilityTokenKind.End"/> token
    /// positioned at the query's length.
    /// </summary>
    /// <exception cref="VisibilityQueryException">An unterminated quote or a character the language does not
    /// use.</exception>
    public static List<VisibilityToken> Tokenize(string query)
    {
        var tokens = new List<VisibilityToken>();
        var i = 0;
        while (i < query.Length)
        {
            var c = query[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var start = i;
            if (c is '\'' or '"')
            {
                var text = ReadQuoted(query, ref i, c, "string literal");
                tokens.Add(new VisibilityToken(VisibilityTokenKind.String, text, start, i - start));
            }
            else if (c == '`')
            {
                var text = ReadQuoted(query, ref i, c, "backquoted name");
                tokens.Add(new VisibilityToken(VisibilityTokenKind.QuotedName, text, start, i - start));
            }
            else if (IsWordStart(c))
            {
                while (i < query.Length && IsWordPart(query[i]))
                {
                    i++;
                }

                tokens.Add(new VisibilityToken(VisibilityTokenKind.Word, query[start..i], start, i - start));
            }
            else if (StartsNumber(query, i))
            {
                ReadNumber(query, ref i);
                tokens.Add(new VisibilityToken(VisibilityTokenKind.Number, query[start..i], start, i - start));
            }
            else if (c is '=' or '<' or '>' or '!')
            {
                i++;
                if (i < query.Length && (query[i] == '=' || (c == '<' && query[i] == '>')))
                {
                    i++;
                }

                var op = query[start..i];
                if (op == "!")
                {
                    throw Unexpected(c, start);
                }

                tokens.Add(new VisibilityToken(VisibilityTokenKind.Operator, op, start, i - start));
            }
            else if (c is '(' or ')' or ',')
            {
                var kind = c switch
                {
                    '(' => VisibilityTokenKind.LeftParen,
                    ')' => VisibilityTokenKind.RightParen,
                    _ => VisibilityTokenKind.Comma,
                };
                i++;
                tokens.Add(new VisibilityToken(kind, c.ToString(), start, 1));
            }
            else
            {
                throw Unexpected(c, start);
            }
        }

        tokens.Add(new VisibilityToken(VisibilityTokenKind.End, string.Empty, query.Length, 0));
        return tokens;
    }

    private static VisibilityQueryException Unexpected(char c, int position) =>
        VisibilityQueryException.Invalid($"unexpected character '{c}' at position {position}");

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static bool StartsNumber(string query, int i)
    {
        if (query[i] is '-' or '+')
        {
            i++;
        }

        if (i < query.Length && query[i] == '.')
        {
            i++;
        }

        return i < query.Length && char.IsAsciiDigit(query[i]);
    }

    /// <summary>Reads <c>[+-]?(digits[.digits*] | .digits)([eE][+-]?digits)?</c>.</summary>
    private static void ReadNumber(string query, ref int i)
    {
        if (query[i] is '-' or '+')
        {
            i++;
        }

        SkipDigits(query, ref i);
        if (i < query.Length && query[i] == '.')
        {
            i++;
            SkipDigits(query, ref i);
        }

        if (i < query.Length && query[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < query.Length && query[j] is '-' or '+')
            {
                j++;
            }

            if (j < query.Length && char.IsAsciiDigit(query[j]))
            {
                i = j;
                SkipDigits(query, ref i);
            }
        }

        if (i < query.Length && IsWordPart(query[i]))
        {
            // "10s" or "1x": a number running into a word is neither; quote durations ('10s').
            throw VisibilityQueryException.Invalid(
                $"unexpected character '{query[i]}' in a number at position {i}");
        }
    }

    private static void SkipDigits(string query, ref int i)
    {
        while (i < query.Length && char.IsAsciiDigit(query[i]))
        {
            i++;
        }
    }

    /// <summary>Reads a quoted text whose quote character is doubled inside it; leaves <paramref name="i"/> after
    /// the closing quote.</summary>
    private static string ReadQuoted(string query, ref int i, char quote, string what)
    {
        var start = i;
        var text = new System.Text.StringBuilder();
        i++;
        while (true)
        {
            if (i >= query.Length)
            {
                throw VisibilityQueryException.Invalid($"unterminated {what} starting at position {start}");
            }

            var c = query[i++];
            if (c != quote)
            {
                text.Append(c);
            }
            else if (i < query.Length && query[i] == quote)
            {
                text.Append(quote);
                i++;
            }
            else
            {
                return text.ToString();
            }
        }
    }
}
