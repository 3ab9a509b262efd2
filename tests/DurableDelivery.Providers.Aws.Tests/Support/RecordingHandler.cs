using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace DurableDelivery.Providers.Aws.Tests.Support;

/// <summary>One Query request as it went over the wire: the SigV4 service it was signed for, the action and every
/// parameter.</summary>
internal sealed record RecordedQuery(string Service, string Action, string Version, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>Passes requests through to moto unchanged and records the Query ones (the real HTTP bodies, parsed
/// back).</summary>
internal sealed partial class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
{
    public ConcurrentQueue<RecordedQuery> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var pairs = body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty)))
            .ToList();
        var authorization = request.Headers.TryGetValues("Authorization", out var values) ? values.Single() : string.Empty;
        var service = ScopeService().Match(authorization) is { Success: true } m ? m.Groups[1].Value : "?";
        Requests.Enqueue(new RecordedQuery(
            service,
            pairs.Single(p => p.Key == "Action").Value,
            pairs.Single(p => p.Key == "Version").Value,
            [.. pairs.Where(p => p.Key is not "Action" and not "Version")]));
        return await base.SendAsync(request, cancellationToken);
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")]
    private static partial Regex ScopeService();
}
