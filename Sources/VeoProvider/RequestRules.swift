/// A rule of the provider's create request that a request breaks.
public enum RequestViolation: Sendable, Hashable {
    /// The prompt is empty or only white space.
    case emptyPrompt
    /// A 1080p size with a length other than 8 seconds.
    case fullHDNeedsEightSeconds(size: VideoSize, seconds: ClipSeconds)
    /// `references` holds none, or more than ``ProviderLimits/maxReferenceImages``.
    case referenceCount(Int)
    /// Reference images together with a first or last frame.
    case referencesWithFrames
    /// A last frame without a first frame.
    case lastFrameWithoutFirst
    /// More than one first frame, or more than one last frame.
    case repeatedFrame(RequestInput.Role)
    /// URLs and uploaded images in one request: the provider takes URLs only in a JSON body and
    /// files only in a multipart body.
    case mixedURLsAndUploads

    /// The request field that breaks the rule, as the provider's API names it.
    public var field: String {
        switch self {
        case .emptyPrompt: RequestFields.prompt.wireName
        case .fullHDNeedsEightSeconds: RequestFields.size.wireName
        case .referenceCount, .referencesWithFrames, .lastFrameWithoutFirst, .repeatedFrame, .mixedURLsAndUploads: RequestFields.inputsWireName
        }
    }

    /// The rule, in the provider's terms.
    public var message: String {
        switch self {
        case .emptyPrompt:
            "the prompt is empty"
        case .fullHDNeedsEightSeconds(let size, let seconds):
            "size \(size.rawValue) (1080p) needs \(ClipSeconds.fullHD.rawValue) seconds, not \(seconds.rawValue)"
        case .referenceCount(let count):
            "reference images number 1 to \(ProviderLimits.maxReferenceImages), not \(count)"
        case .referencesWithFrames:
            "reference images cannot be combined with a first or last frame"
        case .lastFrameWithoutFirst:
            "a last frame needs a first frame"
        case .repeatedFrame(let role):
            "a request takes one \(role.rawValue), not several"
        case .mixedURLsAndUploads:
            "a request takes either all image URLs (JSON) or all uploaded files (multipart)"
        }
    }
}

public enum RequestRules {
    /// Every rule `request` breaks, in a stable order; empty when the provider would accept it.
    public static func violations(of request: GenerationRequest) -> [RequestViolation] {
        // Each field's own rules (RequestFields), then the rules of the input images.
        var found = RequestFields.all.flatMap { $0.violations(of: request) }
        let roles = request.inputs.map(\.role)
        let references = roles.count { $0 == .reference }
        let firsts = roles.count { $0 == .firstFrame }
        let lasts = roles.count { $0 == .lastFrame }
        if references > ProviderLimits.maxReferenceImages { found.append(.referenceCount(references)) }
        if references > 0 && firsts + lasts > 0 { found.append(.referencesWithFrames) }
        if lasts > 0 && firsts == 0 { found.append(.lastFrameWithoutFirst) }
        if firsts > 1 { found.append(.repeatedFrame(.firstFrame)) }
        if lasts > 1 { found.append(.repeatedFrame(.lastFrame)) }
        let uploads = request.inputs.count { $0.source.isUpload }
        if uploads > 0 && uploads < request.inputs.count { found.append(.mixedURLsAndUploads) }
        return found
    }
}
