namespace DurableDelivery.Server.Visibility;

/// <summary>
/// A visibility list filter (the <c>query</c> of ListWorkflowExecutions / CountWorkflowExecutions) that cannot be
/// parsed or translated. The message is one line in Temporal's form, starting with <c>invalid query: </c>, and
/// names the problem; the server answers it as gRPC <c>InvalidArgument</c> with that message.
/// </summary>
public sealed class VisibilityQueryException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public VisibilityQueryException()
        : base("invalid query")
    {
    }

    /// <summary>Creates the exception with a message (which should start with <c>invalid query: </c>).</summary>
    /// <param name="message">The one-line message.</param>
    public VisibilityQueryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The one-line message.</param>
    /// <param name="innerException">The cause.</param>
    public VisibilityQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem, prefixing the message with <c>invalid query: </c>.</summary>
    internal static VisibilityQueryException Invalid(string problem) => new("invalid query: " + problem);
}
