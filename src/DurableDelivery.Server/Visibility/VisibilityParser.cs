using System.Globalization;

namespace DurableDelivery.Server.Visibility;

/// <summary>
/// Parses Temporal's visibility list filter: an optional WHERE expression (without the word WHERE) followed by
/// optional <c>GROUP BY</c> and <c>ORDER BY</c> clauses. Keywords are case-insensitive; search attribute names are
/// case-sensitive and may be backquoted. Names are not resolved here (see <see cref="VisibilitySqlTranslator"/>).
/// </summary>
/// <remarks>
/// Grammar:
/// <code>
/// query     := [or] [GROUP BY name {, name}] [ORDER BY name [ASC|DESC] {, ...}]
/// or        := and {OR and}
/// and       := not {AND not}
/// not       := NOT not | '(' or ')' | predicate
/// predicate := name ( op value | [NOT] IN '(' value {, value} ')' | [NOT] BETWEEN value AND value
///                   | [NOT] STARTS_WITH value | IS [NOT] NULL )
/// op        := = | != | &lt;&gt; | &lt; | &lt;= | &gt; | &gt;=
/// value     := 'string' | "string" | number | TRUE | FALSE
/// name      := (letter | _) {letter | digit | _} | `any text, `` for a backquote`
/// </code>
/// Strings take a doubled quote for a quote ('it''s'); backslashes are plain characters. Positions in messages
/// are 0-based character offsets into the query.
/// <c>LIMIT</c> is rejected wherever a clause could start.
/// </remarks>
internal sealed class VisibilityParser
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "STARTS_WITH", "LIKE", "ORDER", "GROUP", "BY", "ASC",
        "DESC", "LIMIT", "TRUE", "FALSE", "WHERE", "SELECT", "FROM", "HAVING",
    };

    private readonly string query;
    private readonly List<VisibilityToken> tokens;
    private int index;

    private VisibilityParser(string query)
    {
        this.query = query;
        tokens = VisibilityLexer.Tokenize(query);
    }

    private VisibilityToken Current => tokens[index];

    private VisibilityToken Previous => tokens[index - 1];

    /// <summary>Parses <paramref name="query"/>; null or blank means no filter.</summary>
    /// <exception cref="VisibilityQueryException">The query is not in the language.</exception>
    public static VisibilityParsedQuery Parse(string? query) =>
        new VisibilityParser(query ?? string.Empty).ParseQuery();

    private VisibilityParsedQuery ParseQuery()
    {
        VisibilityExpression? where = null;
        if (Current.Kind != VisibilityTokenKind.End && !StartsClause())
        {
            where = ParseOr();
        }

        var groupBy = new List<(string, int)>();
        if (Current.IsKeyword("GROUP"))
        {
            Advance();
            ExpectKeyword("BY");
            do
            {
                var name = ExpectName();
                groupBy.Add((name.Text, name.Position));
            }
            while (TryComma());
        }

        var orderBy = new List<VisibilityOrderTerm>();
        if (Current.IsKeyword("ORDER"))
        {
            Advance();
            ExpectKeyword("BY");
            do
            {
                var name = ExpectName();
                var descending = false;
                if (Current.IsKeyword("ASC") || Current.IsKeyword("DESC"))
                {
                    descending = Current.IsKeyword("DESC");
                    Advance();
                }

                orderBy.Add(new VisibilityOrderTerm(name.Text, name.Position, descending));
            }
            while (TryComma());
        }

        if (Current.IsKeyword("LIMIT"))
        {
            throw VisibilityQueryException.Invalid("'LIMIT' clause is not supported");
        }

        if (Current.Kind != VisibilityTokenKind.End)
        {
            if (Current.IsKeyword("GROUP") && orderBy.Count > 0)
            {
                throw Fail($"'GROUP BY' must come before 'ORDER BY' at position {Current.Position}");
            }

            throw Fail($"unexpected {Describe(Current)} at position {Current.Position}");
        }

        return new VisibilityParsedQuery(where, groupBy, orderBy);
    }

    private bool StartsClause() =>
        Current.IsKeyword("ORDER") || Current.IsKeyword("GROUP") || Current.IsKeyword("LIMIT");

    private VisibilityExpression ParseOr()
    {
        var first = ParseAnd();
        if (!Current.IsKeyword("OR"))
        {
            return first;
        }

        var operands = new List<VisibilityExpression> { first };
        while (Current.IsKeyword("OR"))
        {
            Advance();
            operands.Add(ParseAnd());
        }

        return new VisibilityLogicalExpression(IsAnd: false, operands);
    }

    private VisibilityExpression ParseAnd()
    {
        var first = ParseNot();
        if (!Current.IsKeyword("AND"))
        {
            return first;
        }

        var operands = new List<VisibilityExpression> { first };
        while (Current.IsKeyword("AND"))
        {
            Advance();
            operands.Add(ParseNot());
        }

        return new VisibilityLogicalExpression(IsAnd: true, operands);
    }

    private VisibilityExpression ParseNot()
    {
        if (Current.IsKeyword("NOT"))
        {
            Advance();
            return new VisibilityNotExpression(ParseNot());
        }

        if (Current.Kind == VisibilityTokenKind.LeftParen)
        {
            var open = Current;
            Advance();
            var inner = ParseOr();
            if (Current.Kind != VisibilityTokenKind.RightParen)
            {
                throw Fail(
                    $"expected ')' to close the '(' at position {open.Position} but found {Describe(Current)} " +
                    $"at position {Current.Position}");
            }

            Advance();
            return inner;
        }

        return ParsePredicate();
    }

    private VisibilityPredicate ParsePredicate()
    {
        if (Current.IsKeyword("LIMIT"))
        {
            throw VisibilityQueryException.Invalid("'LIMIT' clause is not supported");
        }

        var name = ExpectName();
        var token = Current;
        if (token.Kind == VisibilityTokenKind.Operator)
        {
            Advance();
            var op = token.Text switch
            {
                "=" => VisibilityOperator.Equal,
                "!=" or "<>" => VisibilityOperator.NotEqual,
                "<" => VisibilityOperator.Less,
                "<=" => VisibilityOperator.LessOrEqual,
                ">" => VisibilityOperator.Greater,
                ">=" => VisibilityOperator.GreaterOrEqual,
                _ => throw Fail($"unknown operator '{token.Text}' at position {token.Position}"),
            };
            return Predicate(name, op, ExpectValue());
        }

        var negated = false;
        if (token.IsKeyword("NOT"))
        {
            negated = true;
            Advance();
            token = Current;
        }

        if (token.IsKeyword("IN"))
        {
            Advance();
            return Predicate(name, negated ? VisibilityOperator.NotIn : VisibilityOperator.In, ParseValueList());
        }

        if (token.IsKeyword("BETWEEN"))
        {
            Advance();
            var from = ExpectValue();
            if (!Current.IsKeyword("AND"))
            {
                throw Fail($"expected 'AND' after the lower bound of 'BETWEEN' at position {Current.Position}");
            }

            Advance();
            var to = ExpectValue();
            return Predicate(name, negated ? VisibilityOperator.NotBetween : VisibilityOperator.Between, from, to);
        }

        if (token.IsKeyword("STARTS_WITH"))
        {
            Advance();
            var op = negated ? VisibilityOperator.NotStartsWith : VisibilityOperator.StartsWith;
            return Predicate(name, op, ExpectValue());
        }

        if (token.IsKeyword("LIKE"))
        {
            throw Fail($"operator '{(negated ? "NOT LIKE" : "LIKE")}' is not supported (use STARTS_WITH) " +
                       $"at position {token.Position}");
        }

        if (negated)
        {
            throw Fail($"expected IN, BETWEEN or STARTS_WITH after 'NOT' at position {token.Position}");
        }

        if (token.IsKeyword("IS"))
        {
            Advance();
            var isNot = false;
            if (Current.IsKeyword("NOT"))
            {
                isNot = true;
                Advance();
            }

            if (!Current.IsKeyword("NULL"))
            {
                throw Fail("'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL' " +
                           $"at position {Current.Position}");
            }

            Advance();
            return Predicate(name, isNot ? VisibilityOperator.IsNotNull : VisibilityOperator.IsNull);
        }

        throw Fail($"expected an operator after '{name.Text}' at position {token.Position}");
    }

    private static VisibilityPredicate Predicate(
        VisibilityToken name, VisibilityOperator op, params VisibilityLiteral[] values) =>
        new(name.Text, name.Position, op, values);

    private VisibilityLiteral[] ParseValueList()
    {
        if (Current.Kind != VisibilityTokenKind.LeftParen)
        {
            throw Fail($"expected '(' after '{Previous.Text.ToUpperInvariant()}' at position {Current.Position}");
        }

        Advance();
        var values = new List<VisibilityLiteral>();
        do
        {
            values.Add(ExpectValue());
        }
        while (TryComma());

        if (Current.Kind != VisibilityTokenKind.RightParen)
        {
            throw Fail($"expected ',' or ')' in the value list at position {Current.Position}");
        }

        Advance();
        return [.. values];
    }

    private VisibilityLiteral ExpectValue()
    {
        var token = Current;
        switch (token.Kind)
        {
            case VisibilityTokenKind.String:
                Advance();
                return new VisibilityLiteral(VisibilityLiteralKind.String, token.Text, token.Position);
            case VisibilityTokenKind.Number:
                Advance();
                return new VisibilityLiteral(NumberKind(token.Text), token.Text, token.Position);
            case VisibilityTokenKind.Word when token.IsKeyword("TRUE") || token.IsKeyword("FALSE"):
                Advance();
                return new VisibilityLiteral(
                    VisibilityLiteralKind.Boolean, token.Text.ToLowerInvariant(), token.Position);
            case VisibilityTokenKind.Word when !Keywords.Contains(token.Text):
            case VisibilityTokenKind.QuotedName:
                throw Fail("column name on the right side of comparison expression " +
                           $"(did you forget to quote '{token.Text}'?) at position {token.Position}");
            default:
                throw Fail($"expected a value after '{Describe(Previous, quote: false)}' " +
                           $"at position {token.Position}");
        }
    }

    private static VisibilityLiteralKind NumberKind(string text) =>
        text.AsSpan().IndexOfAny(".eE") < 0 &&
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? VisibilityLiteralKind.Integer
            : VisibilityLiteralKind.Float;

    private VisibilityToken ExpectName()
    {
        var token = Current;
        if (token.Kind == VisibilityTokenKind.QuotedName ||
            (token.Kind == VisibilityTokenKind.Word && !Keywords.Contains(token.Text)))
        {
            Advance();
            return token;
        }

        var after = index > 0 ? $" after '{Describe(Previous, quote: false)}'" : string.Empty;
        var found = token.Kind == VisibilityTokenKind.End ? string.Empty : $" but found {Describe(token)}";
        throw Fail($"expected a search attribute name{after}{found} at position {token.Position}");
    }

    private void ExpectKeyword(string keyword)
    {
        if (!Current.IsKeyword(keyword))
        {
            throw Fail($"expected '{keyword}' after '{Describe(Previous, quote: false)}' " +
                       $"at position {Current.Position}");
        }

        Advance();
    }

    private bool TryComma()
    {
        if (Current.Kind != VisibilityTokenKind.Comma)
        {
            return false;
        }

        Advance();
        return true;
    }

    private void Advance()
    {
        if (index < tokens.Count - 1)
        {
            index++;
        }
    }

    /// <summary>A token as the query wrote it (keywords in upper case), quoted for a message.</summary>
    private string Describe(VisibilityToken token, bool quote = true)
    {
        if (token.Kind == VisibilityTokenKind.End)
        {
            return "the end of the query";
        }

        var text = token.Kind == VisibilityTokenKind.Word && Keywords.Contains(token.Text)
            ? token.Text.ToUpperInvariant()
            : query.Substring(token.Position, token.Length);
        return quote ? "'" + text + "'" : text;
    }

    private static VisibilityQueryException Fail(string problem) => VisibilityQueryException.Invalid(problem);
}
