using System.Text;

namespace DurableDelivery.Server.History;

/// <summary>
/// Opaque task tokens: which run, which task, which attempt. A stale token (another attempt, a task no longer pending)
/// is refused with NOT_FOUND, as Temporal's server does.
/// </summary>
internal sealed record TaskToken(char Kind, string Namespace, string RunId, long EventId, int Attempt, string Extra)
{
    /// <summary>Workflow task token.</summary>
    public const char WorkflowTask = 'w';

    /// <summary>Activity task token.</summary>
    public const char ActivityTask = 'a';

    /// <summary>Legacy query task token.</summary>
    public const char QueryTask = 'q';

    /// <summary>Serializes the token.</summary>
    public byte[] ToBytes() =>
        Encoding.UTF8.GetBytes($"dd1\n{Kind}\n{Namespace}\n{RunId}\n{EventId}\n{Attempt}\n{Extra}");

    /// <summary>Parses a token; null when it is not one of ours.</summary>
    public static TaskToken? Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(bytes).Split('\n');
            if (parts.Length != 7 || parts[0] != "dd1" || parts[1].Length != 1)
            {
                return null;
            }

            return new TaskToken(
                parts[1][0], parts[2], parts[3],
                long.Parse(parts[4], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(parts[5], System.Globalization.CultureInfo.InvariantCulture), parts[6]);
        }
        catch (FormatException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
