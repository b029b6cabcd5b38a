package org.ecrreplicator.domain;

/** What happened to the image at the source, as ECR's "ECR Image Action" event names it. */
public enum ImageAction {
    PUSH,
    DELETE;

    public static ImageAction parse(String value) {
        for (ImageAction action : values()) {
            if (action.name().equals(value)) {
                return action;
            }
        }
        throw new InvalidRequestException("action", "'" + value + "' is not one of PUSH, DELETE");
    }
}
